import { readFile, stat } from 'node:fs/promises';

import { AdminApiError } from './admin-api-error.js';
import type { PolicyEntity } from './admin-types.js';
import { UsageError } from './cli-errors.js';
import type { CommandContext } from './command.js';
import { sanitize } from './output.js';

/** The server's bound on one policy source, in characters. */
const MAX_SOURCE_CHARS = 1_000_000;
/** An entities file: JSON, a few MiB at most. */
const MAX_ENTITIES_BYTES = 2 * 1024 * 1024;

/**
 * A policy file the server refused as `policy_invalid`: the file it was read from, so each of
 * Cedar's problems is shown where it is, as a compiler does (`FILE:LINE:COLUMN: message`).
 */
export class PolicySourceError extends Error {
  override readonly name = 'PolicySourceError';
  constructor(
    readonly file: string,
    readonly refusal: AdminApiError,
  ) {
    super(refusal.message);
  }
}

/** One problem as shown: its place in the file and Cedar's message (control characters escaped). */
export interface LocatedProblem {
  file: string;
  line: number | null;
  column: number | null;
  policy_id: string | null;
  message: string;
}

/** Each problem of a refused policy file, located in it. */
export function locatedProblems(error: PolicySourceError): LocatedProblem[] {
  return error.refusal.problems.map((p) => ({ file: error.file, line: p.line, column: p.column, policy_id: p.policy_id, message: sanitize(p.message) }));
}

/** `FILE:LINE:COLUMN: message`, or as much of the place as the server named. */
export function problemLine(problem: LocatedProblem): string {
  const place = [sanitize(problem.file), problem.line, problem.column].filter((part) => part !== null).join(':');
  const policy = problem.line === null && problem.policy_id !== null ? ` (policy ${sanitize(problem.policy_id)})` : '';
  return `${place}:${policy} ${problem.message}`;
}

/**
 * Runs `request` with the source of `file`; a `policy_invalid` answer becomes a
 * {@link PolicySourceError} naming the file, so its problems print as `FILE:LINE:COLUMN`.
 */
export async function withPolicyFile<T>(file: string, request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } catch (error) {
    if (error instanceof AdminApiError && error.code === 'policy_invalid') throw new PolicySourceError(file, error);
    throw error;
  }
}

/** Reads a Cedar policy file, sent exactly as written so the server's lines are the file's lines. */
export async function readPolicySource(path: string, command: string): Promise<string> {
  const text = await readBounded(path, MAX_SOURCE_CHARS * 4, command);
  if (text.length > MAX_SOURCE_CHARS) throw new UsageError(`${path} is longer than ${MAX_SOURCE_CHARS} characters, the most one policy source may hold`, command);
  if (text.trim() === '') throw new UsageError(`${path} holds no policy`, command);
  return text;
}

/** Reads an entities file: a JSON array of Cedar entities (`Resource` and `Group`). */
export async function readEntities(path: string, command: string): Promise<PolicyEntity[]> {
  const text = await readBounded(path, MAX_ENTITIES_BYTES, command);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new UsageError(`${path} is not JSON: an entities file is a JSON array of Cedar entities`, command);
  }
  if (!Array.isArray(value)) throw new UsageError(`${path} must hold a JSON array of Cedar entities`, command);
  return value as PolicyEntity[];
}

/** Flags that describe a proposed change, shared by validate, apply and diff. */
export const PROPOSAL_OPTIONS = {
  replace: { type: 'boolean', description: 'the file is the whole set: policies not in it are deleted' },
  entities: { type: 'string', placeholder: 'FILE', description: 'a JSON array of Cedar entities (Resource, Group) replacing the described ones' },
} as const;

/** The members of a change request that the file and the proposal flags give. */
export async function proposalOf(context: CommandContext, file: string): Promise<{ source: string; replace?: boolean; entities?: PolicyEntity[] }> {
  const source = await readPolicySource(file, context.command);
  const entitiesFile = context.flags.string('entities');
  return {
    source,
    ...(context.flags.bool('replace') ? { replace: true } : {}),
    ...(entitiesFile === undefined ? {} : { entities: await readEntities(entitiesFile, context.command) }),
  };
}

async function readBounded(path: string, maxBytes: number, command: string): Promise<string> {
  try {
    if ((await stat(path)).size > maxBytes) throw new UsageError(`${path} is too large (at most ${maxBytes} bytes)`, command);
    return await readFile(path, 'utf8');
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`cannot read ${path}: ${(error as { code?: string }).code ?? 'error'}`, command);
  }
}
