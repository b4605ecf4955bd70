/**
 * Why a change to a person was refused. Each code is also an admin problem code
 * (admin/problem-codes.ts), so the admin API renders it without a translation table.
 */
export type UserErrorCode = 'not_found' | 'validation_failed' | 'conflict';

/**
 * A refused operation on a person, on untrusted input (a programmer's misuse is a `TypeError`).
 * `message` names the field and the rule, and never carries a password or secret.
 */
export class UserError extends Error {
  override readonly name = 'UserError';
  constructor(
    readonly code: UserErrorCode,
    message: string,
  ) {
    super(message);
  }
}
