import { RESOURCE_URI_RULE, uriProblem } from '../net/uri-rule.js';
import type { ValueType } from './value-types.js';

/**
 * The `defaultResource` setting's value type: one resource indicator under the very rule an agent's
 * `resources` follow (RFC 8707 §2: an absolute URI without a fragment; https, or http on loopback;
 * no user information; docs/admin-api.md "Agent rules"), since it becomes one of them.
 */
export function resourceIndicator(): ValueType<string> {
  return {
    kind: 'value',
    summary: 'https URI (http only on loopback)',
    parse(raw) {
      if (typeof raw !== 'string') return { ok: false, expected: 'must be a string (quote it in YAML)' };
      const problem = uriProblem('resources', raw, RESOURCE_URI_RULE);
      if (problem === undefined) return { ok: true, value: raw };
      // The registry's wording, for one value: "resources must be absolute URIs" -> "must be an absolute URI".
      const expected = problem.replace(/^resources /, '').replace('absolute URIs', 'an absolute URI');
      return { ok: false, expected: `${expected} (RFC 8707 §2)` };
    },
  };
}

/** Most resources in a list setting: every input is bounded. */
const MAX_RESOURCES = 64;

/**
 * A list of resource indicators under the same rule as {@link resourceIndicator}: a YAML sequence,
 * or a comma-separated string from the environment or a flag. Empty is allowed.
 */
export function resourceIndicators(): ValueType<readonly string[]> {
  const one = resourceIndicator();
  return {
    kind: 'value',
    summary: `comma-separated https URIs (http only on loopback), at most ${MAX_RESOURCES}`,
    parse(raw, context) {
      const items = Array.isArray(raw) ? raw : typeof raw === 'string' ? (raw.trim() === '' ? [] : raw.split(',').map((s) => s.trim())) : undefined;
      if (items === undefined) return { ok: false, expected: 'must be a comma-separated string or a list' };
      if (items.length > MAX_RESOURCES) return { ok: false, expected: `must name at most ${MAX_RESOURCES} resources` };
      const values: string[] = [];
      for (const item of items) {
        const parsed = one.parse(item, context);
        if (!parsed.ok) return { ok: false, expected: `each resource ${parsed.expected}` };
        values.push(parsed.value);
      }
      return { ok: true, value: [...new Set(values)] };
    },
  };
}
