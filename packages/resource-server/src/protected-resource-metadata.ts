/** RFC 9728 §2 protected resource metadata, as far as this SDK publishes it. */
export interface ProtectedResourceMetadata {
  resource: string;
  authorization_servers: string[];
  scopes_supported?: string[];
  bearer_methods_supported: string[];
  resource_signing_alg_values_supported?: string[];
  resource_name?: string;
  resource_documentation?: string;
  resource_policy_uri?: string;
  resource_tos_uri?: string;
  tls_client_certificate_bound_access_tokens: boolean;
  dpop_signing_alg_values_supported?: string[];
  dpop_bound_access_tokens_required: boolean;
  [extension: string]: unknown;
}

/** RFC 9728 §3 well-known suffix. */
export const PROTECTED_RESOURCE_METADATA_PATH = '/.well-known/oauth-protected-resource';

/**
 * The RFC 9728 §3.1 metadata URL of a resource: the well-known path goes between the host and the
 * resource's path, so `https://api.example/v1` is described at
 * `https://api.example/.well-known/oauth-protected-resource/v1`.
 */
export function protectedResourceMetadataUrl(resource: string): URL {
  const url = new URL(resource);
  const path = url.pathname === '/' ? '' : url.pathname.replace(/\/$/, '');
  return new URL(`${url.origin}${PROTECTED_RESOURCE_METADATA_PATH}${path}`);
}
