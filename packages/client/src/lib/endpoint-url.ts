import { isLoopbackHost } from '@agentauth/protocol';

/**
 * Parses `value` as an absolute https URL (or http on loopback, so a client assertion or token
 * never crosses a network in clear text) and returns it.
 * Throws TypeError, naming `what`, for anything else: these values come from the programmer or
 * from configuration, so a bad one is misuse.
 */
export function checkEndpointUrl(value: unknown, what: string): URL {
  if (typeof value !== 'string' || value === '') throw new TypeError(`${what} must be a non-empty string`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TypeError(`${what} must be an absolute URL`);
  }
  if (url.username !== '' || url.password !== '') throw new TypeError(`${what} must not contain credentials`);
  if (url.protocol === 'https:') return url;
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) return url;
  throw new TypeError(`${what} must use https (plain http is allowed only on loopback)`);
}

/**
 * RFC 8414 §2: an issuer identifier is an https URL (http on loopback here) with no query and no
 * fragment.
 */
export function checkIssuer(value: unknown): URL {
  const url = checkEndpointUrl(value, 'issuer');
  if (url.search !== '' || url.hash !== '' || /[?#]/.test(value as string)) {
    throw new TypeError('issuer must not have a query or a fragment (RFC 8414 §2)');
  }
  return url;
}
