import { authorizationServerMetadataUrl, SIGNING_ALGS, type SigningAlg } from '@agentauth/protocol';
import { fetchJson } from './lib/fetch-json.js';

/** The RFC 8414 §2 members this SDK uses. */
export interface IssuerMetadata {
  issuer: string;
  jwks_uri: string;
  token_endpoint: string | undefined;
  introspection_endpoint: string | undefined;
  /** agentauth extension: where a service asks about a key it holds by its SHA-256 (imported keys). */
  key_digest_introspection_endpoint: string | undefined;
  /** Access-token algorithms the server signs with, within our allow-list (never `none` or HMAC). */
  accessTokenAlgorithms: SigningAlg[];
}

/** https, or http on a loopback host only (ARCHITECTURE.md, Security rules). */
export function isAllowedUrl(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  if (url.hash !== '' || url.username !== '' || url.password !== '') return false;
  if (url.protocol === 'https:') return true;
  return url.protocol === 'http:' && (url.hostname === '127.0.0.1' || url.hostname === '[::1]' || url.hostname === 'localhost');
}

/**
 * Fetches RFC 8414 §3 authorization server metadata and checks it (§3.3): `issuer` must equal
 * the configured issuer exactly (a mismatch may be impersonation), endpoints must be https (http
 * only on loopback). Access-token algorithms come from `access_token_signing_alg_values_supported`
 * intersected with our allow-list; without that member, the whole allow-list.
 */
export async function fetchIssuerMetadata(issuer: string, init: { fetch: typeof fetch; timeoutMs: number }): Promise<IssuerMetadata> {
  const { body } = await fetchJson(authorizationServerMetadataUrl(issuer), init);
  if (body.issuer !== issuer) throw new Error('metadata issuer does not match the configured issuer (RFC 8414 §3.3)');
  if (!isAllowedUrl(body.jwks_uri)) throw new Error('metadata jwks_uri is missing or not an https URL');
  for (const name of ['token_endpoint', 'introspection_endpoint', 'key_digest_introspection_endpoint'] as const) {
    if (body[name] !== undefined && !isAllowedUrl(body[name])) throw new Error(`metadata ${name} is not an https URL`);
  }
  const advertised = body.access_token_signing_alg_values_supported;
  const accessTokenAlgorithms = Array.isArray(advertised) ? SIGNING_ALGS.filter((alg) => advertised.includes(alg)) : [...SIGNING_ALGS];
  if (accessTokenAlgorithms.length === 0) throw new Error('metadata advertises no access-token algorithm we accept');
  return {
    issuer,
    jwks_uri: body.jwks_uri,
    token_endpoint: body.token_endpoint as string | undefined,
    introspection_endpoint: body.introspection_endpoint as string | undefined,
    key_digest_introspection_endpoint: body.key_digest_introspection_endpoint as string | undefined,
    accessTokenAlgorithms,
  };
}
