import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTH, publicJwk, startAdminHarness, type AdminHarness } from './admin-harness.js';
import { BACKENDS } from '../support/test-server.js';

/** An agent's redirect URIs (docs/admin-api.md), which make it a client of the authorization code flow (docs/oauth.md). */
describe.each(BACKENDS)('admin agents: redirect URIs (%s)', (backend) => {
  let h: AdminHarness;
  let id: string;
  beforeAll(async () => {
    h = await startAdminHarness(backend);
    const created = await h.app.inject({ method: 'POST', url: '/admin/v1/agents', headers: AUTH, payload: { name: 'assistant', owner: 'team', jwks: { keys: [await publicJwk('k1')] }, redirect_uris: ['https://assistant.example.com/cb'] } });
    expect(created.statusCode, created.body).toBe(201);
    const agent = created.json().agent;
    expect(agent.redirect_uris).toEqual(['https://assistant.example.com/cb']);
    id = agent.id;
  });
  afterAll(async () => {
    await h.close();
  });

  const patch = (payload: Record<string, unknown>) => h.app.inject({ method: 'PATCH', url: `/admin/v1/agents/${id}`, headers: AUTH, payload });
  const get = async () => (await h.app.inject({ method: 'GET', url: `/admin/v1/agents/${id}`, headers: AUTH })).json();

  it('stores, replaces and removes them, each change audited', async () => {
    const updated = await patch({ redirect_uris: ['https://assistant.example.com/cb', 'http://127.0.0.1:8765/cb', 'http://[::1]/cb'] });
    expect(updated.statusCode, updated.body).toBe(200);
    expect((await get()).redirect_uris).toEqual(['https://assistant.example.com/cb', 'http://127.0.0.1:8765/cb', 'http://[::1]/cb']);
    const audit = (await h.app.inject({ method: 'GET', url: `/admin/v1/audit?agent_id=${id}&event=agent.updated`, headers: AUTH })).json();
    expect(JSON.stringify(audit)).toContain('redirect_uris');
    expect((await patch({ redirect_uris: [] })).statusCode).toBe(200);
    expect((await get()).redirect_uris).toBeUndefined();
  });

  it.each([
    ['http off loopback', ['http://assistant.example.com/cb'], '127.0.0.1'],
    ['localhost', ['http://localhost:8765/cb'], '127.0.0.1'],
    ['a fragment', ['https://assistant.example.com/cb#x'], 'fragment'],
    ['a private-use scheme', ['com.example.app:/cb'], 'https'],
    ['user information', ['https://user@assistant.example.com/cb'], 'user information'],
    ['a relative URI', ['/cb'], 'absolute'],
  ])('refuses %s with a validation_failed problem naming the rule', async (_label, uris, rule) => {
    const response = await patch({ redirect_uris: uris });
    expect(response.statusCode).toBe(400);
    expect(response.json().code).toBe('validation_failed');
    expect(response.json().detail).toContain('redirect_uris');
    expect(response.json().detail).toContain(rule);
  });

  it('refuses more than ten', async () => {
    const response = await patch({ redirect_uris: Array.from({ length: 11 }, (_, i) => `https://assistant.example.com/cb${i}`) });
    expect(response.statusCode).toBe(400);
  });
});
