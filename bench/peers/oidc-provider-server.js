// Child process: the npm package `oidc-provider` configured like agentauth's hot path, i.e.
// RFC 6749 §4.4 client_credentials, RFC 7523 private_key_jwt (ES256) client authentication, and
// RFC 8707 resource indicators so it issues RFC 9068 JWT access tokens signed ES256 for an
// audience. Default in-memory adapter (replay detection of assertion `jti`s included).
// Environment: BENCH_PORT, BENCH_CLIENT_ID, BENCH_CLIENT_JWK (public JWK JSON), BENCH_RESOURCE,
// BENCH_SCOPE, BENCH_TOKEN_TTL.
import { createServer } from 'node:http';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import Provider, { errors } from 'oidc-provider';

const { BENCH_PORT, BENCH_CLIENT_ID, BENCH_CLIENT_JWK, BENCH_RESOURCE, BENCH_SCOPE, BENCH_TOKEN_TTL } = process.env;
const port = Number(BENCH_PORT);
const issuer = `http://127.0.0.1:${port}`;
const tokenTtl = Number(BENCH_TOKEN_TTL);

const signingKey = {
  ...generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' }),
  kid: randomBytes(8).toString('base64url'),
  alg: 'ES256',
  use: 'sig',
};

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: BENCH_CLIENT_ID,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      scope: BENCH_SCOPE,
      token_endpoint_auth_method: 'private_key_jwt',
      token_endpoint_auth_signing_alg: 'ES256',
      // Unused by this grant, but the default (RS256) would need an RSA key we do not configure.
      id_token_signed_response_alg: 'ES256',
      jwks: { keys: [JSON.parse(BENCH_CLIENT_JWK)] },
    },
  ],
  jwks: { keys: [signingKey] },
  cookies: { keys: [randomBytes(32).toString('base64url')] },
  clientAuthMethods: ['private_key_jwt'],
  enabledJWA: { clientAuthSigningAlgValues: ['ES256'] },
  scopes: [BENCH_SCOPE],
  ttl: { ClientCredentials: tokenTtl },
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => BENCH_RESOURCE,
      useGrantedResource: () => true,
      getResourceServerInfo(_ctx, resourceIndicator) {
        if (resourceIndicator !== BENCH_RESOURCE) throw new errors.InvalidTarget();
        return {
          scope: BENCH_SCOPE,
          audience: BENCH_RESOURCE,
          accessTokenTTL: tokenTtl,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'ES256' } },
        };
      },
    },
  },
});

createServer(provider.callback()).listen(port, '127.0.0.1');
process.once('SIGTERM', () => process.exit(0));
