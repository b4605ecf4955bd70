import type { PolicyProblem } from './policy-source.js';

/**
 * Why a policy operation was refused. Each code is also an admin problem code
 * (admin/problem-codes.ts), so the admin API renders it without a translation table.
 */
export type PolicyErrorCode = 'not_found' | 'validation_failed' | 'conflict' | 'policy_invalid' | 'policy_lockout';

/**
 * A refused policy operation on untrusted input. `message` is safe to show to the administrator
 * who asked; `problems` carries Cedar's messages with their lines when policies did not validate.
 */
export class PolicyError extends Error {
  override readonly name = 'PolicyError';
  constructor(
    readonly code: PolicyErrorCode,
    message: string,
    readonly problems: readonly PolicyProblem[] = [],
  ) {
    super(message);
  }
}
