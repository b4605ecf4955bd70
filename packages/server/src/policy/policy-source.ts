import { splitPolicies, policyShape, type DetailedError } from './cedar.js';
import { readPolicyEffects, type PolicyEffects } from './policy-annotations.js';

/** One policy as stored: its id and description (from its annotations) and its Cedar text. */
export interface PolicyText {
  id: string;
  description: string;
  text: string;
}

/** A policy parsed for evaluation: its text plus what its annotations ask. */
export interface ParsedPolicy extends PolicyText {
  effect: 'permit' | 'forbid';
  effects: PolicyEffects;
  /** Where the policy's text starts in the source it was parsed from (1-based). */
  at: { line: number; column: number };
}

/** One problem in a policy source, located by line and column (1-based) when Cedar says where. */
export interface PolicyProblem {
  policyId: string | null;
  line: number | null;
  column: number | null;
  message: string;
}

/** Policy ids: what `@id("...")` may hold (they appear in URLs, audit records and the CLI). */
export const POLICY_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/** Longest policy source accepted (all policies of one file or request), in characters. */
export const MAX_POLICY_SOURCE = 1_000_000;

/**
 * Parses Cedar policy text (one or many policies) into policies with ids. Every policy must carry
 * `@id("...")` (ids are how policies are listed, changed, deleted and named in audit records) and
 * may carry `@description("...")`. Problems come with Cedar's message and the line in `source`.
 */
export function parsePolicySource(source: string): { ok: true; policies: ParsedPolicy[] } | { ok: false; problems: PolicyProblem[] } {
  if (source.length > MAX_POLICY_SOURCE) return fail(null, null, `policy source longer than ${MAX_POLICY_SOURCE} characters`);
  const split = splitPolicies(source);
  if (!split.ok) return { ok: false, problems: split.errors.map((e) => locate(source, 0, null, e)) };

  const problems: PolicyProblem[] = [];
  const policies: ParsedPolicy[] = [];
  const seen = new Set<string>();
  let searchFrom = 0;
  for (const text of split.policies) {
    // Cedar hands back each policy's text verbatim: finding it again gives its line in the file.
    const found = source.indexOf(text, searchFrom);
    const offset = found === -1 ? 0 : found;
    if (found !== -1) searchFrom = found + text.length;
    const shape = policyShape(text);
    if (!shape.ok) {
      problems.push(...shape.errors.map((e) => locate(source, offset, null, e)));
      continue;
    }
    const id = shape.annotations.id;
    const at = position(source, offset);
    if (id === undefined) {
      problems.push({ policyId: null, ...at, message: 'every policy needs an @id("...") annotation' });
      continue;
    }
    if (!POLICY_ID.test(id)) {
      problems.push({ policyId: null, ...at, message: `@id ${JSON.stringify(id.slice(0, 140))} must be 1-128 letters, digits, '.', '_', ':' or '-', starting with a letter or digit` });
      continue;
    }
    if (seen.has(id)) {
      problems.push({ policyId: id, ...at, message: `@id ${JSON.stringify(id)} is used by two policies` });
      continue;
    }
    seen.add(id);
    const effects = readPolicyEffects(shape.effect, shape.annotations);
    if (!effects.ok) {
      problems.push(...effects.problems.map((message) => ({ policyId: id, ...at, message })));
      continue;
    }
    policies.push({ id, description: shape.annotations.description ?? '', text: text.trim(), effect: shape.effect, effects: effects.effects, at });
  }
  if (problems.length > 0) return { ok: false, problems };
  if (policies.length === 0) return fail(null, null, 'no policy in the source');
  return { ok: true, policies };
}

/** A Cedar error as a problem, with the line and column of its first source location. */
export function locate(source: string, offset: number, policyId: string | null, error: DetailedError): PolicyProblem {
  const location = error.sourceLocations?.[0];
  const where = location === undefined ? { line: null, column: null } : position(source, offset + location.start);
  const label = location?.label ? ` (${location.label})` : '';
  const help = error.help ? `; ${error.help}` : '';
  return { policyId, ...where, message: `${error.message}${label}${help}` };
}

/**
 * A problem found in a policy's own text, located in the source the policy came from: Cedar
 * validates each policy on its own, so its lines count from the policy's first line.
 */
export function inSource(problem: PolicyProblem, at: { line: number; column: number }): PolicyProblem {
  if (problem.line === null) return { ...problem, line: at.line, column: at.column };
  return { ...problem, line: at.line + problem.line - 1, column: problem.line === 1 && problem.column !== null ? at.column + problem.column - 1 : problem.column };
}

function position(source: string, offset: number): { line: number; column: number } {
  const before = source.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}

function fail(policyId: string | null, line: number | null, message: string): { ok: false; problems: PolicyProblem[] } {
  return { ok: false, problems: [{ policyId, line, column: null, message }] };
}
