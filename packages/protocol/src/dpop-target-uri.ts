/**
 * Characters RFC 3986 §2 allows in a URI. Anything else (space, control characters, backslash,
 * non-ASCII, `"<>{}|^\``) is refused before parsing: the WHATWG URL parser would silently strip,
 * re-encode or reinterpret it, and two different strings must not compare equal by accident.
 */
const URI_CHARACTERS = /^[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]+$/;

/** RFC 3986 §2.3 unreserved characters: their percent-encoded form is the same URI. */
const UNRESERVED = /[A-Za-z0-9\-._~]/;

/** Longest `htu` (or request URL) looked at; longer is refused, not truncated. */
export const MAX_TARGET_URI_LENGTH = 4_096;

/**
 * RFC 9449 §4.2 `htu`: the HTTP target URI of a request, without query and fragment. What a
 * client puts in a proof; {@link normalizeTargetUri} is how a server compares it.
 */
export function dpopTargetUri(url: string | URL): string {
  const u = new URL(url);
  return `${u.origin}${u.pathname}`;
}

/**
 * The HTTP target URI as RFC 9449 §4.3 compares it (check 9): without query and fragment, after
 * RFC 3986 §6.2.2 syntax-based normalisation (case of scheme and host, upper-case percent-encoding
 * hex digits, decoded unreserved characters, dot segments removed) and §6.2.3 scheme-based
 * normalisation (default port dropped, empty path as `/`). Returns `scheme://host[:port]/path`,
 * or undefined for anything that is not an absolute `http`/`https` URI without user information.
 *
 * Not checked here: that the host is the right one — that is the comparison's job.
 */
export function normalizeTargetUri(value: string): string | undefined {
  if (typeof value !== 'string' || value.length > MAX_TARGET_URI_LENGTH || !URI_CHARACTERS.test(value)) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  if (url.username !== '' || url.password !== '') return undefined;
  // URL already lower-cased scheme and host, dropped the default port and removed dot segments
  // (including percent-encoded ones, `%2e`); what remains of §6.2.2 is percent-encoding.
  const path = url.pathname.replace(/%([0-9A-Fa-f]{2})/g, (_match, hex: string) => {
    const char = String.fromCharCode(Number.parseInt(hex, 16));
    return UNRESERVED.test(char) ? char : `%${hex.toUpperCase()}`;
  });
  return `${url.protocol}//${url.host}${path}`;
}
