/** Why the CA refused a request that is not about the CSR itself (those are `CsrError`s). */
export type CaErrorCode =
  /** The agent does not exist, or is suspended or disabled. */
  | 'agent_not_active'
  /** A Cedar policy refused the certificate (docs/policy.md). */
  | 'policy_denied'
  /** An operator's import is not a usable CA certificate and key. */
  | 'invalid_import'
  /** The hierarchy cannot do what was asked (an imported root without its key cannot rotate). */
  | 'ca_unavailable';

/** A refusal by the CA. `message` is safe to show the caller: it never holds key material. */
export class CaError extends Error {
  override readonly name = 'CaError';
  constructor(
    readonly code: CaErrorCode,
    message: string,
  ) {
    super(message);
  }
}
