/**
 * Why a registry operation was refused. Each code is also an admin problem code
 * (admin/problem-codes.ts), so the admin API renders it without a translation table.
 */
export type AgentErrorCode = 'not_found' | 'validation_failed' | 'conflict' | 'forbidden';

/**
 * A refused registry operation on untrusted input (not a programmer's misuse, which is a
 * `TypeError`). `message` is safe to show to the administrator who made the request: it names the
 * field and the rule, and never carries a secret.
 */
export class AgentError extends Error {
  override readonly name = 'AgentError';
  constructor(
    readonly code: AgentErrorCode,
    message: string,
    /** For the audit record only, never the caller: e.g. the policies that refused (docs/policy.md). */
    readonly auditDetail?: string,
  ) {
    super(message);
  }
}

/** Shorthand for the most common refusal. */
export function invalid(message: string): AgentError {
  return new AgentError('validation_failed', message);
}
