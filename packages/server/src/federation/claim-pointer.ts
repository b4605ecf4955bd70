/**
 * Binding-rule claim paths are RFC 6901 JSON Pointers into the JWT claims set: `/sub`,
 * `/kubernetes.io/namespace`, `/kubernetes.io/serviceaccount/name`. A pointer is unambiguous where
 * a dotted path is not (Kubernetes' claim is literally named `kubernetes.io`), and it is a standard.
 */

/** Longest pointer accepted. */
export const MAX_POINTER_LENGTH = 256;

/**
 * Splits an RFC 6901 §3 pointer into reference tokens (with `~1` -> `/` and `~0` -> `~` decoded,
 * in that order, §4), or returns undefined when it is not a valid non-empty pointer.
 */
export function parsePointer(pointer: string): string[] | undefined {
  if (typeof pointer !== 'string' || pointer.length < 2 || pointer.length > MAX_POINTER_LENGTH || !pointer.startsWith('/')) return undefined;
  // RFC 6901 §3: "~" is only ever followed by "0" or "1".
  if (/~(?![01])/.test(pointer)) return undefined;
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(pointer)) return undefined;
  const tokens = pointer.slice(1).split('/').map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (tokens.some((t) => t === '')) return undefined;
  return tokens;
}

/**
 * The value at `tokens` in `claims` (RFC 6901 §4), or undefined. Only own properties are
 * followed, so `/__proto__` or `/constructor` never reach the prototype.
 */
export function resolvePointer(claims: unknown, tokens: readonly string[]): unknown {
  let current: unknown = claims;
  for (const token of tokens) {
    if (Array.isArray(current)) {
      if (!/^(0|[1-9][0-9]{0,5})$/.test(token)) return undefined;
      current = current[Number(token)];
    } else if (typeof current === 'object' && current !== null && Object.hasOwn(current, token)) {
      current = (current as Record<string, unknown>)[token];
    } else {
      return undefined;
    }
  }
  return current;
}

/** True when every pointer of `matchers` names a string claim exactly equal to its value. */
export function claimsMatch(claims: Record<string, unknown>, matchers: ReadonlyMap<readonly string[], string>): boolean {
  for (const [tokens, expected] of matchers) {
    const value = resolvePointer(claims, tokens);
    if (typeof value !== 'string' || value !== expected) return false;
  }
  return true;
}
