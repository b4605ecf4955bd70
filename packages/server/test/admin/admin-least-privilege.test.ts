import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { delegated, exchangingAgent, ownToken } from '../oauth/exchange/exchange-harness.js';
import { ASSERTION_TYPE, BACKENDS, BOOTSTRAP_TOKEN, clientAssertion, createAgent, form, FORM, ISSUER, startTestServer, type TestAgent, type TestServer } from '../support/test-server.js';

const AUTH = { authorization: `Bearer ${BOOTSTRAP_TOKEN}` };
const DAY = 86_400_000;
const API = 'https://api.example.com';
const OTHER = 'https://other.example.com';

/*
 * A recorded history on a frozen clock, every token through the real /token endpoint:
 *   day 0   `busy` gets orders:write for API (outside a 30-day window read on day 40);
 *           `idle` is registered and never gets anything
 *   day 10  `busy` gets orders:read for API, then (day 10 + 1 h) again from the same address
 *   day 40  `fresh` is registered; the report is read
 */
describe.each(BACKENDS)('least-privilege report (%s)', (backend) => {
  let t: TestServer;
  let busy: TestAgent;
  let idle: TestAgent;
  let fresh: TestAgent;
  let day0: number;

  const token = async (agent: TestAgent, scope: string, resource: string) => {
    const assertion = await clientAssertion(agent, t.clock.now());
    const response = await t.server.app.inject({
      method: 'POST',
      url: '/token',
      headers: FORM,
      payload: form({ grant_type: 'client_credentials', client_assertion_type: ASSERTION_TYPE, client_assertion: assertion, scope, resource }),
    });
    expect(response.statusCode).toBe(200);
  };

  beforeAll(async () => {
    t = await startTestServer(backend);
    day0 = t.clock.now();
    busy = await createAgent(t.server, { name: 'busy', scopes: ['orders:read', 'orders:write', 'agentauth:introspect'], resources: [API, OTHER] });
    idle = await createAgent(t.server, { name: 'idle' });
    await token(busy, 'orders:write', API);
    t.clock.advance(10 * DAY);
    await token(busy, 'orders:read', API);
    t.clock.advance(3_600_000);
    await token(busy, 'orders:read', API);
    t.clock.set(day0 + 40 * DAY);
    fresh = await createAgent(t.server, { name: 'fresh' });
  });
  afterAll(async () => t?.close());

  const get = (url: string, headers: Record<string, string> = AUTH) => t.server.app.inject({ method: 'GET', url, headers });
  const report = async (agent: TestAgent, since = '30d') => {
    const response = await get(`/admin/v1/agents/${agent.id}/report?since=${since}`);
    expect(response.statusCode).toBe(200);
    return response.json();
  };

  it('sets what an agent obtained in the window against its grant, and suggests the used part', async () => {
    expect(await report(busy)).toEqual({
      agent_id: busy.id,
      name: 'busy',
      owner: 'team-test',
      status: 'active',
      created_at: new Date(day0).toISOString(),
      window: { since: '30d', from: new Date(day0 + 10 * DAY).toISOString(), to: new Date(day0 + 40 * DAY).toISOString() },
      granted: { scopes: ['orders:read', 'orders:write', 'agentauth:introspect'], resources: [API, OTHER], grant_types: ['client_credentials'] },
      used: { scopes: ['orders:read'], resources: [API], grant_types: ['client_credentials'], tokens: 2, certificates: 0, source_addresses: 1 },
      unused: { scopes: ['orders:write', 'agentauth:introspect'], resources: [OTHER], grant_types: [] },
      suggested: { scopes: ['orders:read'], resources: [API], grant_types: ['client_credentials'] },
      unused_privileged_scopes: ['agentauth:introspect'],
      last_seen_at: new Date(day0 + 10 * DAY + 3_600_000).toISOString(),
      stale: false,
    });
  });

  it('counts a token at the window’s first instant and none before it', async () => {
    // 40 days back reaches day 0, where orders:write was obtained.
    expect((await report(busy, '40d')).used).toMatchObject({ scopes: ['orders:read', 'orders:write'], tokens: 3 });
    // The window of 29 days begins an hour after the first day-10 token: only the second counts.
    t.clock.set(day0 + 39 * DAY + 3_600_000);
    try {
      expect((await report(busy, '29d')).used.tokens).toBe(1);
      t.clock.advance(1);
      const after = await report(busy, '29d');
      expect(after).toMatchObject({ used: { scopes: [], tokens: 0 }, suggested: { scopes: [], resources: [], grant_types: [] }, stale: true });
      expect(after.last_seen_at).toBe(new Date(day0 + 10 * DAY + 3_600_000).toISOString());
    } finally {
      t.clock.set(day0 + 40 * DAY);
    }
  });

  it('flags an agent unused for the whole window as stale, but not one registered inside it', async () => {
    expect(await report(idle)).toMatchObject({ stale: true, last_seen_at: null, used: { tokens: 0, certificates: 0 }, unused: { scopes: ['orders:read', 'orders:write'] } });
    expect(await report(fresh)).toMatchObject({ stale: false, last_seen_at: null, used: { tokens: 0 } });
    // Idle since its registration 40 days ago, but a 41-day window began before it existed.
    expect((await report(idle, '41d')).stale).toBe(false);
  });

  it('reports every agent a page at a time, ordered by id', async () => {
    const first = await get('/admin/v1/reports/least-privilege?since=30d&limit=2');
    expect(first.statusCode).toBe(200);
    const page1 = first.json();
    expect(page1.items).toHaveLength(2);
    const second = (await get(`/admin/v1/reports/least-privilege?since=30d&limit=2&cursor=${encodeURIComponent(page1.next_cursor)}`)).json();
    const all = [...page1.items, ...second.items];
    const ids = [busy.id, idle.id, fresh.id].sort();
    expect(all.map((item: { agent_id: string }) => item.agent_id)).toEqual(ids);
    expect(second.next_cursor).toBeUndefined();
    for (const item of all) expect(item).toEqual(await report({ id: item.agent_id } as TestAgent));
    expect((await get('/admin/v1/reports/least-privilege')).json().items[0].window.since).toBe('30d');
  });

  it('refuses a window outside 1d..365d and malformed input with RFC 9457 problems, and unknown agents with 404', async () => {
    for (const since of ['0d', '366d', '30', '30h', '1e2d', '-1d', '030d']) {
      const response = await get(`/admin/v1/agents/${busy.id}/report?since=${since}`);
      expect(response.statusCode, since).toBe(400);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.json()).toMatchObject({ code: 'validation_failed', detail: 'querystring/since must be a number of days from 1d to 365d, such as 30d' });
    }
    expect((await get(`/admin/v1/agents/${busy.id}/report?since=365d`)).statusCode).toBe(200);
    expect((await get('/admin/v1/reports/least-privilege?since=1d')).statusCode).toBe(200);
    expect((await get('/admin/v1/reports/least-privilege?since=400d')).json().code).toBe('validation_failed');
    expect((await get('/admin/v1/reports/least-privilege?cursor=%21%21')).json().code).toBe('validation_failed');
    expect((await get(`/admin/v1/agents/${busy.id}/report?window=30d`)).json().code).toBe('validation_failed');
    const missing = await get('/admin/v1/agents/agt_AAAAAAAAAAAAAAAAAAAAAA/report');
    expect(missing.statusCode).toBe(404);
    expect(missing.json().code).toBe('not_found');
  });

  it('needs the admin credential', async () => {
    const response = await get(`/admin/v1/agents/${busy.id}/report`, { authorization: 'Bearer wrong' });
    expect(response.statusCode).toBe(401);
    expect(response.json().code).toBe('unauthenticated');
    expect((await get('/admin/v1/reports/least-privilege', {})).statusCode).toBe(401);
  });

  it('does not count the issuer audience of privileged tokens as a resource', async () => {
    const admin = await createAgent(t.server, { name: 'auditor', scopes: ['agentauth:introspect', 'orders:read'], resources: [API] });
    await token(admin, 'agentauth:introspect', ISSUER);
    t.clock.advance(1); // the window ends before the instant the report is read
    expect(await report(admin)).toMatchObject({
      used: { scopes: ['agentauth:introspect'], resources: [] },
      suggested: { scopes: ['agentauth:introspect'], resources: [] },
      unused: { scopes: ['orders:read'], resources: [API] },
      unused_privileged_scopes: [],
    });
  });

  it('counts a token exchange for the acting client, not for the subject whose token was exchanged', async () => {
    const user = await exchangingAgent(t, 'user', { scopes: ['orders:read', 'orders:write'], resources: [API] });
    const copilot = await exchangingAgent(t, 'copilot', { scopes: ['orders:read', 'crm:read'], resources: [API, OTHER] });
    const subject = await ownToken(t, user, { scope: 'orders:read orders:write' });
    await delegated(t, copilot, subject, { scope: 'orders:read' });
    t.clock.advance(1);
    // The user obtained one token itself; the exchanged token is the copilot's.
    expect(await report(user)).toMatchObject({
      used: { scopes: ['orders:read', 'orders:write'], grant_types: ['client_credentials'], tokens: 1 },
      unused: { grant_types: ['urn:ietf:params:oauth:grant-type:token-exchange'] },
    });
    // The copilot's own actor token and the exchanged one. The actor token was asked for without
    // `scope`, so it carried every scope the copilot may have for API: crm:read counts as used.
    expect(await report(copilot)).toMatchObject({
      used: { scopes: ['crm:read', 'orders:read'], resources: [API], grant_types: ['client_credentials', 'urn:ietf:params:oauth:grant-type:token-exchange'], tokens: 2 },
      unused: { scopes: [], resources: [OTHER], grant_types: [] },
    });
  });
});
