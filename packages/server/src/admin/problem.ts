import type { AgentErrorCode } from '../agents/agent-error.js';
import type { FederationErrorCode } from '../federation/federation-error.js';
import { ADMIN_PROBLEMS, type AdminProblemCode } from './problem-codes.js';
import type { Problem } from './wire/problem.js';

/** RFC 9457 §3 media type of a problem details document. */
export const PROBLEM_MEDIA_TYPE = 'application/problem+json';

/**
 * An admin API refusal. `detail` goes to the administrator: it says what to fix, and never holds
 * a secret, a stack or SQL. Anything that is not an `AdminProblem` renders as `internal_error`.
 */
export class AdminProblem extends Error {
  override readonly name = 'AdminProblem';
  constructor(
    readonly code: AdminProblemCode,
    readonly detail: string,
    /** Extra response headers, e.g. `WWW-Authenticate` for 401 (RFC 6750 §3). */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(`${code}: ${detail}`);
  }

  /** HTTP status fixed by the code. */
  get status(): number {
    return ADMIN_PROBLEMS[this.code].status;
  }
}

/** The registry's and federation's refusals are problem codes one to one (the compiler checks the subset). */
export function problemCodeOf(code: AgentErrorCode | FederationErrorCode): AdminProblemCode {
  return code;
}

/** Renders the RFC 9457 body for `code`. */
export function problemBody(code: AdminProblemCode, detail: string): Problem {
  const { status, title } = ADMIN_PROBLEMS[code];
  return { type: `urn:agentauth:problem:${code}`, title, status, detail, code };
}
