import type { InjectOptions } from 'fastify';
import { exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPrivatePostgres, type PrivatePostgres } from '../support/private-postgres.js';
import { ASSERTION_TYPE, BOOTSTRAP_TOKEN, clientAssertion, createAgent, form, FORM, ISSUER, startTestServer, type TestAgent, type TestServer } from '../support/test-server.js';
import { until } from '../support/until.js';

/**
 * Every surface of the server while its PostgreSQL is down (a private cluster, stopped and started
 * again): each request that needs the database is refused with 503 and `Retry-After` in its
 * surface's own format, what needs no database is still answered, and all of it works again once
 * the database is back, without a restart.
 */
describe('every surface while the database is down', () => {
  let pg: PrivatePostgres;
  let t: TestServer;
  let agent: TestAgent;
  const tokens: Record<string, string> = {};

  const token = async (scope: string, resource: string): Promise<{ status: number; body: Record<string, unknown> }> => {
    const response = await t.server.app.inject({
      method: 'POST',
      url: '/token',
      headers: FORM,
      payload: form({ grant_type: 'client_credentials', client_assertion_type: ASSERTION_TYPE, client_assertion: await clientAssertion(agent, t.clock.now()), scope, resource }),
    });
    return { status: response.statusCode, body: response.json() };
  };
  const authenticated = async () => ({ client_assertion_type: ASSERTION_TYPE, client_assertion: await clientAssertion(agent, t.clock.now()) });

  beforeAll(async () => {
    pg = await startPrivatePostgres();
    // Not the shared test database ('postgres' would create one there): the private cluster's.
    t = await startTestServer('sqlite', { AGENTAUTH_DATABASE_URL: pg.url() });
    agent = await createAgent(t.server, { scopes: ['orders:read', 'agentauth:cert', 'agentauth:signals'] });
    for (const [name, scope, resource] of [
      ['api', 'orders:read', 'https://api.example.com'],
      ['cert', 'agentauth:cert', ISSUER],
      ['signals', 'agentauth:signals', ISSUER],
    ] as const) {
      const issued = await token(scope, resource);
      if (issued.status !== 200) throw new Error(`token for ${name}: ${issued.status} ${JSON.stringify(issued.body)}`);
      tokens[name] = issued.body['access_token'] as string;
    }
  }, 240_000);

  afterAll(async () => {
    await t?.close();
    pg?.destroy();
  });

  it('answers 503 with Retry-After on every OAuth, CA, EST and signals endpoint and the admin API; recovers when the database is back', async () => {
    pg.stop('fast');
    const { publicKey } = await generateKeyPair('ES256');
    const jwk = JSON.stringify({ ...(await exportJWK(publicKey)), alg: 'ES256' });
    const protocol: (InjectOptions & { name: string })[] = [
      { name: 'POST /token', method: 'POST', url: '/token', headers: FORM, payload: form({ grant_type: 'client_credentials', ...(await authenticated()), resource: 'https://api.example.com' }) },
      { name: 'POST /introspect', method: 'POST', url: '/introspect', headers: FORM, payload: form({ token: tokens['api'] as string, ...(await authenticated()) }) },
      { name: 'POST /revoke', method: 'POST', url: '/revoke', headers: FORM, payload: form({ token: tokens['api'] as string, ...(await authenticated()) }) },
      { name: 'POST /register', method: 'POST', url: '/register', headers: { authorization: `Bearer ${BOOTSTRAP_TOKEN}` }, payload: { client_name: 'while-down', token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [JSON.parse(jwk)] }, resources: ['https://api.example.com'] } },
      // A refusal whose audit record cannot be written is answered 503 too, never as a 500.
      { name: 'POST /register (refused metadata)', method: 'POST', url: '/register', headers: { authorization: `Bearer ${BOOTSTRAP_TOKEN}` }, payload: { client_name: 'while-down', redirect_uris: ['https://x.example/cb'] } },
      { name: 'POST /agents/self/keys', method: 'POST', url: '/agents/self/keys', headers: FORM, payload: form({ ...(await authenticated()), jwk }) },
      { name: 'POST /enroll', method: 'POST', url: '/enroll', headers: FORM, payload: form({ enrollment_token: 'et_'.padEnd(46, 'x'), jwk }) },
      { name: 'POST /ca/v1/certificates', method: 'POST', url: '/ca/v1/certificates', headers: { authorization: `Bearer ${tokens['cert']}` }, payload: { csr: '-----BEGIN CERTIFICATE REQUEST-----\n-----END CERTIFICATE REQUEST-----\n' } },
      { name: 'GET /ssf/streams', method: 'GET', url: '/ssf/streams', headers: { authorization: `Bearer ${tokens['signals']}` } },
    ];
    for (const { name, ...request } of protocol) {
      const response = await t.server.app.inject(request);
      expect({ name, status: response.statusCode, retryAfter: response.headers['retry-after'], error: response.json().error }).toEqual({ name, status: 503, retryAfter: '5', error: 'temporarily_unavailable' });
    }

    const est = await t.server.app.inject({ method: 'POST', url: '/.well-known/est/simpleenroll', headers: { authorization: `Bearer ${tokens['cert']}`, 'content-type': 'application/pkcs10' }, payload: 'AAAA' });
    expect([est.statusCode, est.headers['retry-after'], est.headers['content-type']]).toEqual([503, '5', 'text/plain; charset=utf-8']);

    const admin = await t.server.app.inject({ method: 'GET', url: '/admin/v1/agents', headers: { authorization: `Bearer ${BOOTSTRAP_TOKEN}` } });
    expect([admin.statusCode, admin.headers['retry-after'], admin.headers['content-type']]).toEqual([503, '5', 'application/problem+json; charset=utf-8']);
    expect(admin.json()).toEqual({
      type: 'urn:agentauth:problem:storage_unavailable',
      title: 'Storage unavailable',
      status: 503,
      code: 'storage_unavailable',
      detail: 'the database cannot be reached or written for now; retry after the seconds in Retry-After',
    });

    const refused = await t.server.app.inject({ method: 'POST', url: '/admin/v1/agents', headers: { authorization: `Bearer ${BOOTSTRAP_TOKEN}` }, payload: { name: '' } });
    expect([refused.statusCode, refused.json().code]).toEqual([503, 'storage_unavailable']);

    // Not ready, yet alive; what needs no database is still served.
    const ready = await t.server.app.inject({ method: 'GET', url: '/readyz' });
    expect([ready.statusCode, ready.json().checks]).toEqual([503, { database: false, keys: true }]);
    expect((await t.server.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    expect((await t.server.app.inject({ method: 'GET', url: '/jwks' })).statusCode).toBe(200);

    pg.start();
    await until(async () => (await t.server.app.inject({ method: 'GET', url: '/readyz' })).statusCode === 200, 50);
    expect((await token('orders:read', 'https://api.example.com')).status).toBe(200);
    const agents = await t.server.app.inject({ method: 'GET', url: '/admin/v1/agents', headers: { authorization: `Bearer ${BOOTSTRAP_TOKEN}` } });
    expect(agents.statusCode).toBe(200);
  }, 240_000);
});
