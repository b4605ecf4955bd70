import {
  CLIENT_AUTH_METHODS,
  GRANT_CLIENT_CREDENTIALS,
  SCOPE_ADMIN,
  SCOPE_CERT,
  SCOPE_INTROSPECT,
  SCOPE_SIGNALS,
  SIGNING_ALGS,
  type AuthorizationServerMetadata,
  type SigningAlg,
} from '@agentauth/protocol';

/** Paths of the public endpoints, relative to the issuer. */
export const ENDPOINT_PATHS = {
  token: '/token',
  jwks: '/jwks',
  registration: '/register',
  introspection: '/introspect',
  revocation: '/revoke',
} as const;

/**
 * RFC 8414 §2 metadata advertising exactly what this server supports: nothing more (no
 * authorization endpoint, hence no response types), nothing less.
 */
export function buildServerMetadata(issuer: string, accessTokenAlg: SigningAlg): AuthorizationServerMetadata {
  const methods = [...CLIENT_AUTH_METHODS];
  const algs = [...SIGNING_ALGS];
  return {
    issuer,
    token_endpoint: issuer + ENDPOINT_PATHS.token,
    jwks_uri: issuer + ENDPOINT_PATHS.jwks,
    registration_endpoint: issuer + ENDPOINT_PATHS.registration,
    introspection_endpoint: issuer + ENDPOINT_PATHS.introspection,
    revocation_endpoint: issuer + ENDPOINT_PATHS.revocation,
    scopes_supported: [SCOPE_ADMIN, SCOPE_INTROSPECT, SCOPE_CERT, SCOPE_SIGNALS],
    response_types_supported: [],
    grant_types_supported: [GRANT_CLIENT_CREDENTIALS],
    token_endpoint_auth_methods_supported: methods,
    token_endpoint_auth_signing_alg_values_supported: algs,
    introspection_endpoint_auth_methods_supported: methods,
    introspection_endpoint_auth_signing_alg_values_supported: algs,
    revocation_endpoint_auth_methods_supported: methods,
    revocation_endpoint_auth_signing_alg_values_supported: algs,
    access_token_signing_alg_values_supported: [accessTokenAlg],
  };
}
