import { isLoopbackHost } from '@agentauth/protocol';

/**
 * RFC 3986 §2: the characters a URI holds, percent-encodings well formed. The WHATWG parser
 * silently drops or rewrites others (leading and trailing spaces and controls, tabs and newlines
 * anywhere, backslashes), so a URI stored as sent would not be the one fetched or compared.
 */
const URI_CHARACTERS = /^(?:[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})+$/;

/** The longest URI the server stores (a resource, a `jwks_uri`, a SAN URI). */
export const URI_MAX_LENGTH = 2048;

/** What a URI the server stores, fetches or compares must be; see {@link uriProblem}. */
export interface UriRule {
  maxLength: number;
  /** Allow `http` to a loopback host (a local resource or key server); never elsewhere. */
  allowLoopbackHttp: boolean;
}

/**
 * Why `value`, named `field`, is not an absolute URI the server may keep (undefined when it is
 * one): RFC 3986 characters only; parsed by WHATWG URL as written, host spelt plainly (`https:///x`
 * is read as host `x`, `https://2130706433` as 127.0.0.1, `https://%61.example` as a.example);
 * no fragment, no user information; `https`, or `http` on loopback only where the rule allows it.
 * The message names the field and the rule, for the caller who sent it.
 */
export function uriProblem(field: string, value: unknown, rule: UriRule): string | undefined {
  if (typeof value !== 'string' || value.length > rule.maxLength) return `${field} must be absolute URIs of at most ${rule.maxLength} characters`;
  if (!URI_CHARACTERS.test(value)) {
    return `${field} must be absolute URIs of RFC 3986 characters: no whitespace, control characters, backslashes, non-ASCII or stray percent signs`;
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `${field} must be absolute URIs`;
  }
  if (value.includes('#')) return `${field} must not contain a fragment`;
  if (url.username !== '' || url.password !== '') return `${field} must not contain user information`;
  const authority = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?#]*)/.exec(value)?.[1]?.toLowerCase();
  const defaultPort = url.protocol === 'https:' ? '443' : '80';
  if (authority === undefined || (authority !== url.host && authority !== `${url.hostname}:${defaultPort}`)) {
    return `${field} must be absolute URIs that spell their host plainly (scheme://host[:port]/path)`;
  }
  const loopbackHttp = rule.allowLoopbackHttp && url.protocol === 'http:' && isLoopbackHost(url.hostname);
  if (url.protocol !== 'https:' && !loopbackHttp) return rule.allowLoopbackHttp ? `${field} must use https (http only on loopback)` : `${field} must use https`;
  return undefined;
}

/**
 * The rule of an RFC 8707 §2 resource indicator, wherever one is written (an agent's `resources`,
 * the `defaultResource` setting): https, or http on loopback (a local resource server).
 */
export const RESOURCE_URI_RULE: UriRule = { maxLength: URI_MAX_LENGTH, allowLoopbackHttp: true };
