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
