/** Most redirect URIs one client may register, and the longest one: every input is bounded. */
export const MAX_REDIRECT_URIS = 10;
export const MAX_REDIRECT_URI_LENGTH = 2000;

/** RFC 8252 §7.3: the loopback IP literals (not `localhost`, which §8.3 advises against). */
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]']);

/**
 * Why `uri` cannot be registered as a redirect URI, or undefined. OAuth 2.1 §2.3.1 and RFC 8252:
 * an absolute URI without a fragment (RFC 6749 §3.1.2); `https`, `http` only on a loopback IP
 * literal (RFC 8252 §7.3), or a private-use scheme in reverse-domain form (RFC 8252 §7.1, a
 * period in the scheme); no user information.
 */
export function redirectUriProblem(uri: unknown): string | undefined {
  if (typeof uri !== 'string' || uri.length === 0 || uri.length > MAX_REDIRECT_URI_LENGTH) return `each redirect URI must be a string of 1 to ${MAX_REDIRECT_URI_LENGTH} characters`;
  if (!URL.canParse(uri)) return 'each redirect URI must be an absolute URI (RFC 6749 §3.1.2)';
  if (uri.includes('#')) return 'a redirect URI must not have a fragment (RFC 6749 §3.1.2)';
  const url = new URL(uri);
  if (url.username !== '' || url.password !== '') return 'a redirect URI must not carry user information';
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:') return LOOPBACK_HOSTS.has(url.hostname) ? undefined : 'http redirect URIs are allowed only on 127.0.0.1 or [::1] (RFC 8252 §7.3, §8.3)';
  const scheme = url.protocol.slice(0, -1);
  if (scheme.includes('.') && !['javascript', 'data', 'file', 'vbscript'].includes(scheme)) return undefined;
  return 'a redirect URI must be https, http on a loopback IP, or a reverse-domain private-use scheme (RFC 8252 §7.1)';
}

/**
 * Whether `presented` is one of `registered` (OAuth 2.1 §4.1.3, RFC 6749 §3.1.2.2): an exact
 * string comparison, except that for an `http` loopback IP redirect URI the port may differ
 * (RFC 8252 §7.3: a native client listens on an ephemeral port). Nothing else is normalised.
 */
export function matchRedirectUri(registered: readonly string[], presented: string): boolean {
  if (presented.length > MAX_REDIRECT_URI_LENGTH) return false;
  if (registered.includes(presented)) return true;
  if (!LOOPBACK_PREFIX.test(presented) || presented.includes('#')) return false;
  const bare = withoutPort(presented);
  return registered.some((candidate) => LOOPBACK_PREFIX.test(candidate) && withoutPort(candidate) === bare);
}

/** An `http` URI on a loopback IP literal, with or without a port, as written (no normalisation). */
const LOOPBACK_PREFIX = /^http:\/\/(?:127\.0\.0\.1|\[::1\])(?::\d{1,5})?(?=[/?]|$)/;

/** The raw string with its port removed, so a match is exact but for the port. */
function withoutPort(raw: string): string {
  return raw.replace(/^(http:\/\/(?:127\.0\.0\.1|\[::1\])):\d{1,5}(?=[/?]|$)/, '$1');
}
