import { authorizationServerMetadataUrl, type AuthorizationServerMetadata } from '@agentauth/protocol';

import { checkEndpointUrl, checkIssuer } from './lib/endpoint-url.js';
import { readJsonObject } from './lib/read-json.js';
import { UnexpectedResponseError } from './unexpected-response-error.js';

/** Options of {@link discover}. */
export interface DiscoverInit {
  fetch?: typeof fetch;
  signal?: AbortSignal;
}

/** Metadata members that name endpoints we may send credentials to. */
const ENDPOINT_MEMBERS = ['token_endpoint', 'jwks_uri', 'registration_endpoint', 'introspection_endpoint', 'revocation_endpoint'] as const;

/**
 * The RFC 8414 §3.1 metadata URL of an issuer this SDK may talk to: the well-known path goes
 * between the host and the issuer's path, so `https://as.example/tenant` is described at
 * `https://as.example/.well-known/oauth-authorization-server/tenant`.
 *
 * Throws TypeError for an issuer that is not an https URL (http on loopback), or has a query or
 * fragment.
 */
export function metadataUrl(issuer: string): URL {
  return authorizationServerMetadataUrl(checkIssuer(issuer));
}

/**
 * Fetches RFC 8414 §3 authorization server metadata for `issuer`.
 *
 * Checks (RFC 8414 §3.2, §3.3): a 200 JSON object whose `issuer` is exactly the requested one
 * (no normalisation: a mismatch may be an impersonation attempt), and a `token_endpoint` plus
 * any other endpoint members that are https URLs (http only on loopback).
 *
 * Throws TypeError for an issuer that is not an https URL (http on loopback), or has a query or
 * fragment; UnexpectedResponseError for an answer that breaks the rules above. Network failures
 * from `fetch` propagate unchanged.
 *
 * Does not check the other members (`scopes_supported`, algorithm lists, ...) beyond returning
 * them, and does not cache: call it once and keep the result.
 */
export async function discover(issuer: string, init: DiscoverInit = {}): Promise<AuthorizationServerMetadata> {
  const url = metadataUrl(issuer);
  const doFetch = init.fetch ?? fetch;
  const response = await doFetch(url, {
    method: 'GET',
    headers: { accept: 'application/json' },
    redirect: 'error',
    ...(init.signal === undefined ? {} : { signal: init.signal }),
  });
  if (response.status !== 200) {
    await response.body?.cancel();
    throw new UnexpectedResponseError('ERR_UNEXPECTED_STATUS', `metadata request answered HTTP ${response.status}`, response.status);
  }
  const body = await readJsonObject(response);
  if (body.issuer !== issuer) {
    throw new UnexpectedResponseError('ERR_METADATA_ISSUER_MISMATCH', 'the metadata "issuer" is not the requested issuer (RFC 8414 §3.3)', response.status);
  }
  if (body.token_endpoint === undefined) {
    throw new UnexpectedResponseError('ERR_METADATA_INVALID', 'the metadata has no "token_endpoint"', response.status);
  }
  for (const member of ENDPOINT_MEMBERS) {
    if (body[member] === undefined) continue;
    try {
      checkEndpointUrl(body[member], member);
    } catch {
      throw new UnexpectedResponseError('ERR_METADATA_INVALID', `the metadata "${member}" is not an https URL`, response.status);
    }
  }
  return body as AuthorizationServerMetadata;
}
