import { GRANT_TOKEN_EXCHANGE, TOKEN_TYPE_ACCESS_TOKEN } from '@agentauth/protocol';
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, createAgent, startListeningTestServer, type TestAgent, type TestServer } from '../../support/test-server.js';
import { API, EXCHANGE } from './exchange-harness.js';


/**
 * RFC 8693 token exchange with a real, independent OAuth client (oauth4webapi) over real HTTP: it
 * discovers the grant, exchanges a token, and validates the result as an RFC 9068 resource server.
 */
describe.each(BACKENDS)('token exchange with a real OAuth client (oauth4webapi) over HTTP (%s)', (backend) => {
  let t: TestServer;
  let issuer: URL;
  let as: oauth.AuthorizationServer;
  let user: TestAgent;
  let copilot: TestAgent;
  const insecure = { [oauth.allowInsecureRequests]: true };

  beforeAll(async () => {
    ({ t, issuer } = await startListeningTestServer(backend));
    user = await createAgent(t.server, { name: 'user', scopes: ['orders:read', 'orders:write'], resources: [API] });
    copilot = await createAgent(t.server, { name: 'copilot', ...EXCHANGE, scopes: ['orders:read'], resources: [API] });
    as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { ...insecure, algorithm: 'oauth2' }));
  });
  afterAll(async () => t?.close());

  const ownToken = async (agent: TestAgent) => {
    const client = { client_id: agent.id };
    const auth = oauth.PrivateKeyJwt({ key: agent.privateKey, kid: agent.kid });
    const response = await oauth.clientCredentialsGrantRequest(as, client, auth, { resource: API }, insecure);
    return (await oauth.processClientCredentialsResponse(as, client, response)).access_token;
  };

  it('exchanges a token for a delegated, attenuated one that a resource server accepts', async () => {
    expect(as.grant_types_supported).toContain(GRANT_TOKEN_EXCHANGE);
    t.clock.set(Date.now());
    const subject = await ownToken(user);
    const actor = await ownToken(copilot);
    const client = { client_id: copilot.id };
    const auth = oauth.PrivateKeyJwt({ key: copilot.privateKey, kid: copilot.kid });
    const response = await oauth.genericTokenEndpointRequest(
      as,
      client,
      auth,
      GRANT_TOKEN_EXCHANGE,
      {
        subject_token: subject,
        subject_token_type: TOKEN_TYPE_ACCESS_TOKEN,
        actor_token: actor,
        actor_token_type: TOKEN_TYPE_ACCESS_TOKEN,
        resource: API,
        scope: 'orders:read',
        task_id: 'real-client-task',
      },
      insecure,
    );
    const result = await oauth.processGenericTokenEndpointResponse(as, client, response);
    expect(result).toMatchObject({ token_type: 'bearer', scope: 'orders:read', issued_token_type: TOKEN_TYPE_ACCESS_TOKEN });

    const request = new Request(`${API}/orders`, { headers: { authorization: `Bearer ${result.access_token}` } });
    const claims = await oauth.validateJwtAccessToken(as, request, API, insecure);
    expect(claims).toMatchObject({ sub: user.id, client_id: copilot.id, scope: 'orders:read', act: { sub: copilot.id }, task_id: 'real-client-task' });

    const refused = await oauth.genericTokenEndpointRequest(as, client, auth, GRANT_TOKEN_EXCHANGE, { subject_token: subject, subject_token_type: TOKEN_TYPE_ACCESS_TOKEN, scope: 'orders:write' }, insecure);
    await expect(oauth.processGenericTokenEndpointResponse(as, client, refused)).rejects.toMatchObject({ error: 'invalid_scope' });
  });
});
