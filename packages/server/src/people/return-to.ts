/** Longest `return_to` followed: every input is bounded. */
const MAX_RETURN_TO_LENGTH = 2048;

/** Where a person lands after signing in when `return_to` is absent or refused. */
export const DEFAULT_RETURN_TO = '/account';

/**
 * A `return_to` that stays on this origin, or {@link DEFAULT_RETURN_TO} (OWASP Unvalidated
 * Redirects and Forwards Cheat Sheet: allow only local relative paths). Accepted: a path that
 * starts with one `/` and is neither `//host` nor `/\host` (browsers read both as another host), at
 * most 2048 characters (an authorization request with its PKCE challenge, state and resource fits), printable ASCII only, no scheme, and that resolves on our own origin.
 */
export function safeReturnTo(value: string | undefined): string {
  if (value === undefined || value.length === 0 || value.length > MAX_RETURN_TO_LENGTH) return DEFAULT_RETURN_TO;
  if (!/^\/(?![/\\])[\x21-\x7e]*$/.test(value) || value.includes('\\')) return DEFAULT_RETURN_TO;
  const base = 'https://origin.invalid';
  let resolved: URL;
  try {
    resolved = new URL(value, base);
  } catch {
    return DEFAULT_RETURN_TO;
  }
  return resolved.origin === base ? `${resolved.pathname}${resolved.search}${resolved.hash}` : DEFAULT_RETURN_TO;
}
