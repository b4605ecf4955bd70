import type { PolicyProblem } from './admin-types.js';

/**
 * An RFC 9457 problem answer from the admin API (docs/admin-api.md, codes in docs/errors.md).
 * An answer that is not problem JSON gets the code `unexpected_response`.
 */
export class AdminApiError extends Error {
  override readonly name = 'AdminApiError';
  readonly status: number;
  readonly code: string;
  readonly title: string;
  readonly detail: string | undefined;
  /** With `policy_invalid`: Cedar's messages, each with its line and column in the source sent. */
  readonly problems: readonly PolicyProblem[];
  /** With a refused key import: each line at fault, its member and the rule. */
  readonly lines: readonly ImportLineProblem[];

  constructor(status: number, code: string, title: string, detail: string | undefined, problems: readonly PolicyProblem[] = [], lines: readonly ImportLineProblem[] = []) {
    super(detail === undefined ? `${title} (${code})` : `${title} (${code}): ${detail}`);
    this.status = status;
    this.code = code;
    this.title = title;
    this.detail = detail;
    this.problems = problems;
    this.lines = lines;
  }
}

/** The problem answer as an {@link AdminApiError}; an answer that is not problem JSON gets `unexpected_response`. */
export async function toAdminError(response: Response): Promise<AdminApiError> {
  let problem: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(await response.text());
    if (typeof parsed === 'object' && parsed !== null) problem = parsed as Record<string, unknown>;
  } catch {
    // Not problem JSON (a proxy's HTML page, say): fall through to the generic error.
  }
  const code = typeof problem.code === 'string' ? problem.code : 'unexpected_response';
  const title = typeof problem.title === 'string' ? problem.title : `HTTP ${response.status}`;
  const detail = typeof problem.detail === 'string' ? problem.detail : undefined;
  return new AdminApiError(response.status, code, title, detail, policyProblems(problem.problems), importLines(problem.lines));
}

/** One line of a refused key import, as the server names it. */
export interface ImportLineProblem {
  line: number;
  field: string | null;
  message: string;
}

/** The `lines` member of a refused key import, each checked member by member. */
function importLines(value: unknown): ImportLineProblem[] {
  if (!Array.isArray(value)) return [];
  return value.slice(0, 1000).flatMap((item: unknown) => {
    if (typeof item !== 'object' || item === null) return [];
    const p = item as Record<string, unknown>;
    if (typeof p['message'] !== 'string' || typeof p['line'] !== 'number' || !Number.isInteger(p['line'])) return [];
    return [{ line: p['line'], field: typeof p['field'] === 'string' ? p['field'] : null, message: p['message'] }];
  });
}

/** Most problems kept from one answer. */
const MAX_PROBLEMS = 100;

/** The `problems` member of a `policy_invalid` answer, each checked member by member. */
function policyProblems(value: unknown): PolicyProblem[] {
  if (!Array.isArray(value)) return [];
  const position = (n: unknown) => (typeof n === 'number' && Number.isInteger(n) && n > 0 ? n : null);
  return value.slice(0, MAX_PROBLEMS).flatMap((item: unknown) => {
    if (typeof item !== 'object' || item === null) return [];
    const p = item as Record<string, unknown>;
    if (typeof p['message'] !== 'string') return [];
    return [{ policy_id: typeof p['policy_id'] === 'string' ? p['policy_id'] : null, line: position(p['line']), column: position(p['column']), message: p['message'] }];
  });
}
