import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOKEN_TYPE_API_KEY } from '@agentauth/protocol';
import { BOOTSTRAP_TOKEN, createAgent, FORM, form, startTestServer, type TestAgent, type TestServer } from '../support/test-server.js';

const ADMIN = { authorization: `Bearer ${BOOTSTRAP_TOKEN}` };

/** A service checks a managed key presented to it directly, through RFC 7662 introspection. */
describe('managed API keys at POST /introspect', () => {
  let t: TestServer;
  let agent: TestAgent;
  let service: { id: string; secret: string };
  let plain: { id: string; secret: string };
  beforeAll(async () => {
    t = await startTestServer('sqlite');
    agent = await createAgent(t.server);
    const register = async (scopes: string[]) => {
      const response = await t.server.app.inject({ method: 'POST', url: '/admin/v1/agents', headers: ADMIN, payload: { name: 'svc', owner: 'team-svc', scopes, resources: ['https://api.example.com'], token_endpoint_auth_method: 'client_secret_basic' } });
      const body = response.json() as { agent: { id: string }; client_secret: string };
      return { id: body.agent.id, secret: body.client_secret };
    };
    service = await register(['agentauth:introspect']);
    plain = await register([]);
  });
  afterAll(async () => {
    await t.close();
  });

  const newKey = async () => {
    const response = await t.server.app.inject({ method: 'POST', url: `/admin/v1/agents/${agent.id}/api-keys`, headers: ADMIN, payload: { ttl: 7200, scopes: ['orders:read'] } });
    return response.json() as { api_key: { id: string }; key: string };
  };
  const introspect = (token: string, caller = service) =>
    t.server.app.inject({ method: 'POST', url: '/introspect', headers: { ...FORM, authorization: `Basic ${Buffer.from(`${caller.id}:${caller.secret}`).toString('base64')}` }, payload: form({ token }) });

  it('answers an active key with its agent, scope, resources and expiry, typed as a key, and counts the use', async () => {
    const { api_key, key } = await newKey();
    const response = await introspect(key);
    expect(response.statusCode).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.json()).toEqual({
      active: true,
      iss: 'http://127.0.0.1:8080',
      sub: agent.id,
      client_id: agent.id,
      aud: ['https://api.example.com'],
      scope: 'orders:read',
      exp: Math.floor(t.clock.now() / 1000) + 7200,
      iat: Math.floor(t.clock.now() / 1000),
      token_type: TOKEN_TYPE_API_KEY,
      key_id: api_key.id,
    });
    const shown = (await t.server.app.inject({ method: 'GET', url: `/admin/v1/api-keys/${api_key.id}`, headers: ADMIN })).json() as { usage: { count: number } };
    expect(shown.usage.count).toBe(1);
  });

  it('answers exactly {"active":false} for a revoked, expired, mistyped or unknown key, and to a caller without agentauth:introspect', async () => {
    const revoked = await newKey();
    await t.server.app.inject({ method: 'POST', url: `/admin/v1/api-keys/${revoked.api_key.id}/revoke`, headers: ADMIN });
    const live = await newKey();
    const flipped = live.key.slice(0, 9) + (live.key[9] === 'A' ? 'B' : 'A') + live.key.slice(10);
    for (const token of [revoked.key, flipped, live.key.slice(0, -2)]) expect((await introspect(token)).json()).toEqual({ active: false });
    expect((await introspect(live.key, plain)).json()).toEqual({ active: false });
    t.clock.advance(7200 * 1000);
    expect((await introspect(live.key)).json()).toEqual({ active: false });
    const audit = (await t.server.app.inject({ method: 'GET', url: `/admin/v1/audit?event=access_token.introspected&limit=100`, headers: ADMIN })).json() as { items: { reason: string | null }[] };
    const reasons = audit.items.map((r) => r.reason ?? '');
    expect(reasons).toContain(`API key ${revoked.api_key.id} is revoked`);
    expect(reasons).toContain('API key checksum fails');
    expect(reasons).toContain(`API key ${live.api_key.id} expired`);
    expect(JSON.stringify(audit)).not.toContain(live.key.slice(4, 30));
  });
});
