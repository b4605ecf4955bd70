import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, BOOTSTRAP_TOKEN, createAgent, startListeningTestServer, type TestAgent, type TestServer } from '../support/test-server.js';


/**
 * The server against a real, independent OAuth client (oauth4webapi) over real HTTP: discovery,
 * client_credentials with private_key_jwt and client_secret_basic, introspection, revocation.
 */
describe.each(BACKENDS)('a real OAuth client (oauth4webapi) over HTTP (%s)', (backend) => {
  let t: TestServer;
  let issuer: URL;
  let as: oauth.AuthorizationServer;
  let agent: TestAgent;
  const insecure = { [oauth.allowInsecureRequests]: true };

  beforeAll(async () => {
    // On the real clock: oauth4webapi checks times against it.
    ({ t, issuer } = await startListeningTestServer(backend));
    agent = await createAgent(t.server, { scopes: ['orders:read', 'agentauth:introspect'] });
    as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { ...insecure, algorithm: 'oauth2' }));
  });
  afterAll(async () => t?.close());

  it('discovers the metadata, exactly as advertised', () => {
    expect(as.issuer).toBe(issuer.href.replace(/\/$/, ''));
    expect(as.grant_types_supported).toEqual(['client_credentials', 'urn:ietf:params:oauth:grant-type:token-exchange', 'urn:ietf:params:oauth:grant-type:jwt-bearer', 'urn:openid:params:grant-type:ciba', 'authorization_code', 'refresh_token']);
    expect(as.token_endpoint_auth_methods_supported).toEqual(['private_key_jwt', 'client_secret_basic', 'client_secret_post', 'tls_client_auth', 'self_signed_tls_client_auth', 'none']);
    expect(as.code_challenge_methods_supported).toEqual(['S256']);
    expect(as.authorization_response_iss_parameter_supported).toBe(true);
    expect(as.token_endpoint_auth_signing_alg_values_supported).toEqual(['ES256', 'EdDSA', 'PS256']);
  });

  it('gets, introspects and revokes a token with private_key_jwt', async () => {
    const client = { client_id: agent.id };
    const auth = oauth.PrivateKeyJwt({ key: agent.privateKey, kid: agent.kid });
    t.clock.set(Date.now());
    const response = await oauth.clientCredentialsGrantRequest(as, client, auth, { scope: 'orders:read', resource: 'https://api.example.com' }, insecure);
    const tokens = await oauth.processClientCredentialsResponse(as, client, response);
    expect(tokens.token_type).toBe('bearer');
    expect(tokens.scope).toBe('orders:read');

    const introspected = await oauth.processIntrospectionResponse(as, client, await oauth.introspectionRequest(as, client, auth, tokens.access_token, insecure));
    expect(introspected.active).toBe(true);
    expect(introspected.sub).toBe(agent.id);

    await oauth.processRevocationResponse(await oauth.revocationRequest(as, client, auth, tokens.access_token, insecure));
    const after = await oauth.processIntrospectionResponse(as, client, await oauth.introspectionRequest(as, client, auth, tokens.access_token, insecure));
    expect(after.active).toBe(false);
  });

  it('gets a token with client_secret_basic, and refuses a wrong secret', async () => {
    const created = await t.server.app.inject({
      method: 'POST',
      url: '/admin/v1/agents',
      headers: { authorization: `Bearer ${BOOTSTRAP_TOKEN}` },
      payload: { name: 'legacy', owner: 'team', scopes: ['orders:read'], resources: ['https://api.example.com'], token_endpoint_auth_method: 'client_secret_basic' },
    });
    expect(created.statusCode).toBe(201);
    const { agent: legacy, client_secret: secret } = created.json() as { agent: { id: string }; client_secret: string };
    expect(secret.length).toBeGreaterThanOrEqual(43);
    const client = { client_id: legacy.id };
    const ok = await oauth.processClientCredentialsResponse(as, client, await oauth.clientCredentialsGrantRequest(as, client, oauth.ClientSecretBasic(secret), {}, insecure));
    expect(ok.access_token).toBeTruthy();

    const wrong = await oauth.clientCredentialsGrantRequest(as, client, oauth.ClientSecretBasic(`${secret}x`), {}, insecure);
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { error: string }).error).toBe('invalid_client');
    // A secret agent may not switch to another method.
    const post = await oauth.clientCredentialsGrantRequest(as, client, oauth.ClientSecretPost(secret), {}, insecure);
    expect(post.status).toBe(401);
  });
});
