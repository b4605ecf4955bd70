import type { ClientAuthMethod } from './client-auth-methods.js';
import type { SigningAlg } from './algorithms.js';

/** RFC 8414 §2 authorization server metadata, as far as we advertise it. */
export interface AuthorizationServerMetadata {
  issuer: string;
  token_endpoint: string;
  jwks_uri: string;
  registration_endpoint: string;
  introspection_endpoint: string;
  revocation_endpoint: string;
  scopes_supported: string[];
  response_types_supported: string[];
  grant_types_supported: string[];
  /** `none`: public clients of the authorization code flow (RFC 7591 §2, OAuth 2.1 §2.4). */
  token_endpoint_auth_methods_supported: (ClientAuthMethod | 'none')[];
  token_endpoint_auth_signing_alg_values_supported: SigningAlg[];
  introspection_endpoint_auth_methods_supported: ClientAuthMethod[];
  introspection_endpoint_auth_signing_alg_values_supported: SigningAlg[];
  revocation_endpoint_auth_methods_supported: ClientAuthMethod[];
  revocation_endpoint_auth_signing_alg_values_supported: SigningAlg[];
  /** RFC 8414 §2: where people authorize clients (RFC 6749 §3.1). */
  authorization_endpoint?: string;
  /** RFC 8414 §2, RFC 7636 §4.2: only `S256`. */
  code_challenge_methods_supported?: string[];
  /** RFC 9207 §3: every authorization response carries `iss`. */
  authorization_response_iss_parameter_supported?: boolean;
  /** draft-ietf-oauth-client-id-metadata-document §5: a `client_id` may be the URL of its metadata document. */
  client_id_metadata_document_supported?: boolean;
  /** Not a registered RFC 8414 name; RFC 9068 access tokens are signed with these. */
  access_token_signing_alg_values_supported?: SigningAlg[];
  /** RFC 8705 §3.3: the server issues certificate-bound access tokens. */
  tls_client_certificate_bound_access_tokens?: boolean;
  /** RFC 8705 §5: the endpoints to use with mutual TLS (a listener that requests client certificates). */
  mtls_endpoint_aliases?: MtlsEndpointAliases;
  /**
   * agentauth extension: where services ask about a key they hold by its SHA-256, an imported
   * third-party key (docs/migration.md), with the introspection endpoint's client authentication.
   */
  key_digest_introspection_endpoint?: string;
  [extension: string]: unknown;
}

/** RFC 8705 §5 `mtls_endpoint_aliases`: endpoint URLs on the mutual-TLS listener. */
export interface MtlsEndpointAliases {
  token_endpoint?: string;
  introspection_endpoint?: string;
  revocation_endpoint?: string;
  [endpoint: string]: string | undefined;
}

/** Well-known path of RFC 8414 metadata. */
export const AS_METADATA_PATH = '/.well-known/oauth-authorization-server';

/** RFC 7662 §2.2 introspection response. */
export interface IntrospectionResponse {
  active: boolean;
  scope?: string;
  client_id?: string;
  token_type?: string;
  exp?: number;
  iat?: number;
  nbf?: number;
  sub?: string;
  aud?: string | string[];
  iss?: string;
  jti?: string;
  [claim: string]: unknown;
}

/** RFC 8693 §3 token type identifier for access tokens. */
export const TOKEN_TYPE_ACCESS_TOKEN = 'urn:ietf:params:oauth:token-type:access_token';
/** RFC 8693 §3 token type identifier for a JWT (RFC 7519). */
export const TOKEN_TYPE_JWT = 'urn:ietf:params:oauth:token-type:jwt';
/** RFC 8693 §3 token type identifier for a refresh token (we never issue one). */
export const TOKEN_TYPE_REFRESH_TOKEN = 'urn:ietf:params:oauth:token-type:refresh_token';
