import { SCOPE_CERT } from '@agentauth/protocol';

/**
 * Which way to a certificate was refused: the agent's key for its first one, the agent's key after
 * renewal by the current certificate was refused, the agent's key when asked for directly, or a token.
 */
export type CertificateStep = 'first' | 'renewal' | 'key' | 'token';

/**
 * The agent could not get a certificate, and the message says what the server refused and what
 * an operator must do. `error` and `status` are the last refusal's RFC 6749 §5.2 code and HTTP
 * status; `error_description` is the server's public text (never a secret). Retrying does not
 * help until the cause named here is fixed.
 */
export class CertificateRenewalError extends Error {
  override readonly name = 'CertificateRenewalError';
  /** The OAuth `error` of the last refusal, e.g. `invalid_client`. */
  readonly error: string;
  readonly error_description: string | undefined;
  readonly status: number;
  constructor(error: string, status: number, message?: string, errorDescription?: string) {
    super(message ?? `certificate refused (${error}, HTTP ${status})`);
    this.error = error;
    this.status = status;
    this.error_description = errorDescription;
  }

  /**
   * The refusal of a certificate asked for at `step`; for `renewal`, `renewalRefusal` says how the
   * current certificate was refused before.
   */
  static of(step: CertificateStep, refusal: { error: string; status: number; error_description?: string | undefined }, renewalRefusal?: { error: string; status: number }): CertificateRenewalError {
    const before =
      step === 'first'
        ? 'no first certificate: the server refused it'
        : step === 'renewal'
          ? `renewal by the current certificate was refused${renewalRefusal === undefined ? '' : ` (${renewalRefusal.error}, HTTP ${renewalRefusal.status})`}, and a new certificate with the agent's key was refused too`
          : step === 'key'
            ? "a new certificate with the agent's key was refused"
            : `a certificate by token (scope ${SCOPE_CERT}) was refused`;
    const said = `${refusal.error}, HTTP ${refusal.status}${refusal.error_description === undefined ? '' : `: ${refusal.error_description}`}`;
    return new CertificateRenewalError(refusal.error, refusal.status, `${before} (${said}); ${remedy(refusal.error)}`, refusal.error_description);
  }
}

/** What an operator does about each refusal. */
function remedy(error: string): string {
  switch (error) {
    case 'invalid_client':
      return 'the agent is suspended, disabled or deleted, or this key was removed: re-enable the agent, or re-enrol it (agentauth agents enroll-token ID) with an empty key store';
    case 'invalid_scope':
    case 'insufficient_scope':
      return `the agent is not allowed the scope ${SCOPE_CERT}: an operator adds it to the agent's scopes`;
    case 'access_denied':
      return 'the CA issues certificates to active agents only: re-enable the agent';
    case 'invalid_request':
      return 'the server refused the request itself, as its description says';
    default:
      return 'see the error code and description';
  }
}
