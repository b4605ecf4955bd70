/**
 * Why a change to the trusted issuers or binding rules was refused. Each code is also an admin
 * problem code (admin/problem-codes.ts), so the admin API renders it without a translation table,
 * and federation never needs to know the admin API exists.
 */
export type FederationErrorCode = 'not_found' | 'validation_failed' | 'conflict';

/**
 * A refused trusted-issuer or binding-rule operation on untrusted input (a programmer's misuse is a
 * `TypeError`). `message` is safe to show to the administrator who made the request: it names the
 * field and the rule, and never carries a secret.
 */
export class FederationError extends Error {
  override readonly name = 'FederationError';
  constructor(
    readonly code: FederationErrorCode,
    message: string,
  ) {
    super(message);
  }
}
