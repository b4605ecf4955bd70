import { AS_METADATA_PATH } from './metadata.js';

/** RFC 9728 §3: the well-known suffix of protected resource metadata. */
export const PROTECTED_RESOURCE_METADATA_PATH = '/.well-known/oauth-protected-resource';

/**
 * Where metadata about `identifier` lives under a well-known suffix (RFC 8414 §3.1, RFC 9728 §3.1,
 * after RFC 8615): the suffix goes between the host and the identifier's path, whose terminating
 * slash is dropped, so `https://as.example/tenant` is described at
 * `https://as.example/.well-known/oauth-authorization-server/tenant`.
 *
 * Does not check the identifier's scheme, query or fragment (both are dropped): callers decide what
 * they accept. Throws TypeError when `identifier` is not an absolute URL.
 */
export function wellKnownUrl(identifier: string | URL, suffix: string): URL {
  const url = new URL(identifier);
  const path = url.pathname === '/' ? '' : url.pathname.replace(/\/$/, '');
  return new URL(`${url.origin}${suffix}${path}`);
}

/** RFC 8414 §3.1: the authorization server metadata URL of an issuer. */
export function authorizationServerMetadataUrl(issuer: string | URL): URL {
  return wellKnownUrl(issuer, AS_METADATA_PATH);
}

/** RFC 9728 §3.1: the protected resource metadata URL of a resource. */
export function protectedResourceMetadataUrl(resource: string | URL): URL {
  return wellKnownUrl(resource, PROTECTED_RESOURCE_METADATA_PATH);
}
