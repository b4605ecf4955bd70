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
