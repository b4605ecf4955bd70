import { DEFAULT_DPOP_ALGORITHMS } from '@agentauth/resource-server';
import {
  CLIENT_AUTH_METHODS,
  CIBA_DELIVERY_MODES,
  GRANT_CIBA,
  GRANT_CLIENT_CREDENTIALS,
  GRANT_TOKEN_EXCHANGE,
  GRANT_JWT_BEARER,
  SCOPE_ADMIN,
  SCOPE_AUTHORIZE,
  SCOPE_CERT,
  SCOPE_INTROSPECT,
  SCOPE_SIGNALS,
  SIGNING_ALGS,
  TLS_CLIENT_AUTH_METHODS,
  type AuthorizationServerMetadata,
  type SigningAlg,
} from '@agentauth/protocol';

/** Paths of the public endpoints, relative to the issuer. */
export const ENDPOINT_PATHS = {
  token: '/token',
  authorization: '/authorize',
  jwks: '/jwks',
  registration: '/register',
  introspection: '/introspect',
  keyDigestIntrospection: '/introspect/key-digest',
  revocation: '/revoke',
  backchannelAuthentication: '/bc-authorize',
} as const;

/**
 * RFC 8414 §2 metadata advertising exactly what this server supports, nothing more, nothing less:
 * agents' grants, and the authorization code flow of people's public clients (response type
 * `code` with PKCE `S256` only, RFC 9207 `iss` in every authorization response, refresh tokens,
 * client authentication `none` for those clients alone, registered or identified by a Client ID
 * Metadata Document), and approvals (OpenID CIBA Core 1.0 §4 in poll and ping modes, with the
 * RFC 9396 detail types configured).
 */
export function buildServerMetadata(issuer: string, accessTokenAlg: SigningAlg, authorizationDetailsTypes: readonly string[] = []): AuthorizationServerMetadata {
  const methods = [...CLIENT_AUTH_METHODS];
  const algs = [...SIGNING_ALGS];
  return {
    issuer,
    authorization_endpoint: issuer + ENDPOINT_PATHS.authorization,
    token_endpoint: issuer + ENDPOINT_PATHS.token,
    jwks_uri: issuer + ENDPOINT_PATHS.jwks,
    registration_endpoint: issuer + ENDPOINT_PATHS.registration,
    introspection_endpoint: issuer + ENDPOINT_PATHS.introspection,
    key_digest_introspection_endpoint: issuer + ENDPOINT_PATHS.keyDigestIntrospection,
    revocation_endpoint: issuer + ENDPOINT_PATHS.revocation,
    scopes_supported: [SCOPE_ADMIN, SCOPE_INTROSPECT, SCOPE_CERT, SCOPE_SIGNALS, SCOPE_AUTHORIZE],
    response_types_supported: ['code'],
    // RFC 7523 §2.1 jwt-bearer: federated workload login with a trusted issuer's JWT (docs/federation.md).
    grant_types_supported: [GRANT_CLIENT_CREDENTIALS, GRANT_TOKEN_EXCHANGE, GRANT_JWT_BEARER, GRANT_CIBA, 'authorization_code', 'refresh_token'],
    code_challenge_methods_supported: ['S256'],
    authorization_response_iss_parameter_supported: true,
    token_endpoint_auth_methods_supported: [...methods, 'none'],
    // draft-ietf-oauth-client-id-metadata-document §5: a public client may name itself by a URL.
    client_id_metadata_document_supported: true,
    token_endpoint_auth_signing_alg_values_supported: algs,
    introspection_endpoint_auth_methods_supported: methods,
    introspection_endpoint_auth_signing_alg_values_supported: algs,
    revocation_endpoint_auth_methods_supported: methods,
    revocation_endpoint_auth_signing_alg_values_supported: algs,
    access_token_signing_alg_values_supported: [accessTokenAlg],
    // RFC 9449 §5.1: the algorithms the token endpoint accepts in DPoP proofs.
    dpop_signing_alg_values_supported: [...DEFAULT_DPOP_ALGORITHMS],
    // OpenID CIBA Core 1.0 §4: approvals of risky actions (docs/approvals.md); no user codes, no push.
    backchannel_authentication_endpoint: issuer + ENDPOINT_PATHS.backchannelAuthentication,
    backchannel_token_delivery_modes_supported: [...CIBA_DELIVERY_MODES],
    backchannel_user_code_parameter_supported: false,
    // RFC 9396 §10: the detail types operators configured.
    authorization_details_types_supported: [...authorizationDetailsTypes],
  };
}

/**
 * RFC 8705 additions to the metadata: `tls_client_certificate_bound_access_tokens` (§3.3) and
 * `mtls_endpoint_aliases` (§5, the token, introspection and revocation endpoints on the
 * mutual-TLS listener) when clients can present certificates; otherwise the certificate-based
 * client authentication methods are not advertised, since nothing could carry a certificate.
 */
export function withMutualTls(metadata: AuthorizationServerMetadata, mtls: { available: boolean; endpointUrl: string | undefined }): AuthorizationServerMetadata {
  if (!mtls.available) {
    const plain = <M extends string>(methods: M[]): M[] => methods.filter((m) => !(TLS_CLIENT_AUTH_METHODS as readonly string[]).includes(m));
    return {
      ...metadata,
      token_endpoint_auth_methods_supported: plain(metadata.token_endpoint_auth_methods_supported),
      introspection_endpoint_auth_methods_supported: plain(metadata.introspection_endpoint_auth_methods_supported),
      revocation_endpoint_auth_methods_supported: plain(metadata.revocation_endpoint_auth_methods_supported),
    };
  }
  const out: AuthorizationServerMetadata = { ...metadata, tls_client_certificate_bound_access_tokens: true };
  if (mtls.endpointUrl !== undefined) {
    out.mtls_endpoint_aliases = {
      token_endpoint: mtls.endpointUrl + ENDPOINT_PATHS.token,
      introspection_endpoint: mtls.endpointUrl + ENDPOINT_PATHS.introspection,
      key_digest_introspection_endpoint: mtls.endpointUrl + ENDPOINT_PATHS.keyDigestIntrospection,
      revocation_endpoint: mtls.endpointUrl + ENDPOINT_PATHS.revocation,
      backchannel_authentication_endpoint: mtls.endpointUrl + ENDPOINT_PATHS.backchannelAuthentication,
    };
  }
  return out;
}
