/**
 * The two RFC 9449 error codes a DPoP proof can earn: `invalid_dpop_proof` (§5, §7.1) for a proof
 * that fails any §4.3 check, and `use_dpop_nonce` (§8, §9) when the server requires a nonce the
 * proof lacks or carries a stale one.
 */
export type DpopProofErrorCode = 'invalid_dpop_proof' | 'use_dpop_nonce';

const MESSAGES: Readonly<Record<DpopProofErrorCode, string>> = {
  invalid_dpop_proof: 'DPoP proof is invalid',
  use_dpop_nonce: 'DPoP proof must carry the current server nonce',
};

/**
 * A DPoP proof failed RFC 9449 §4.3 validation (untrusted input). Two audiences (the caller's fixed
 * text, the operator's detail): `code` and the fixed `message` may go to the client; `detail` names
 * the specific check that failed and is for the operator's log only. Neither ever contains the
 * proof, the access token or any key material. Programmer misuse throws `TypeError` instead.
 */
export class DpopProofError extends Error {
  override readonly name = 'DpopProofError';
  readonly code: DpopProofErrorCode;
  /** The specific failed check, for logs and audit records only. */
  readonly detail: string;
  constructor(code: DpopProofErrorCode, detail: string) {
    super(MESSAGES[code]);
    this.code = code;
    this.detail = detail;
  }
}
