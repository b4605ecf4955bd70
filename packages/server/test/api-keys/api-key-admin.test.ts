import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiKeyFormatFault } from '@agentauth/protocol';
import { createHash } from 'node:crypto';
import { withRawDatabase } from '../support/raw-database.js';
import { BACKENDS, BOOTSTRAP_TOKEN, createAgent, startTestServer, type TestAgent, type TestServer } from '../support/test-server.js';

const ADMIN = { authorization: `Bearer ${BOOTSTRAP_TOKEN}` };
const DAY = 86_400;

interface Key {
  id: string;
  agent_id: string;
  owner: string;
  scopes: string[];
  resources: string[];
  labels: Record<string, string>;
  expires_at: string;
  revoked_at: string | null;
  replaces_id: string | null;
  status: string;
  usage: { count: number; last_used_at: string | null; source_addresses: string[] };
}

describe.each(BACKENDS)('managed API keys on the admin API (%s)', (backend) => {
  let t: TestServer;
  let agent: TestAgent;
  const keysShown: string[] = [];
  beforeAll(async () => {
    t = await startTestServer(backend, { AGENTAUTH_API_KEY_MAX_TTL: String(30 * DAY), AGENTAUTH_LOG_LEVEL: 'error' });
    agent = await createAgent(t.server);
  });
  afterAll(async () => {
    await t.close();
  });

  const post = (url: string, payload?: Record<string, unknown>) =>
    t.server.app.inject({ method: 'POST', url: `/admin/v1${url}`, headers: ADMIN, ...(payload === undefined ? {} : { payload }) });
  const get = (url: string) => t.server.app.inject({ method: 'GET', url: `/admin/v1${url}`, headers: ADMIN });
  const create = async (payload: Record<string, unknown>) => {
    const response = await post(`/agents/${agent.id}/api-keys`, payload);
    expect(response.statusCode, response.body).toBe(201);
    const body = response.json() as { api_key: Key; key: string };
    keysShown.push(body.key);
    return body;
  };

  it('creates a key shown once, in the aak_ format, within the agent, with owner, labels and a mandatory expiry', async () => {
    const { api_key, key } = await create({ ttl: 7 * DAY, scopes: ['orders:read'], labels: { team: 'billing' } });
    expect(apiKeyFormatFault(key)).toBeUndefined();
    expect(api_key).toMatchObject({ agent_id: agent.id, owner: 'team-test', scopes: ['orders:read'], resources: ['https://api.example.com'], labels: { team: 'billing' }, status: 'active', revoked_at: null });
    expect(Date.parse(api_key.expires_at) - t.clock.now()).toBe(7 * DAY * 1000);
    expect(api_key.usage).toEqual({ count: 0, last_used_at: null, source_addresses: [] });
    const shown = await get(`/api-keys/${api_key.id}`);
    expect(shown.json()).toEqual(api_key);
    expect(shown.body).not.toContain(key);
    // Stored by SHA-256 (hex), never the key.
    const rows = await withRawDatabase(t.server.deps.config, (db) => db.selectFrom('api_keys').selectAll().where('id', '=', api_key.id).execute());
    expect(rows[0]?.key_hash).toBe(createHash('sha256').update(key).digest('hex'));
    expect(JSON.stringify(rows)).not.toContain(key.slice(4, 47));
  });

  it('refuses a missing expiry, one beyond apiKeyMaxTtl, scopes or resources outside the agent, and unknown agents', async () => {
    expect((await post(`/agents/${agent.id}/api-keys`, { scopes: ['orders:read'] })).statusCode).toBe(400);
    const tooLong = await post(`/agents/${agent.id}/api-keys`, { ttl: 30 * DAY + 1 });
    expect(tooLong.statusCode).toBe(400);
    expect(tooLong.json()).toMatchObject({ code: 'validation_failed' });
    expect(tooLong.body).toContain('apiKeyMaxTtl');
    const scope = await post(`/agents/${agent.id}/api-keys`, { ttl: DAY, scopes: ['admin:all'] });
    expect(scope.json()).toMatchObject({ code: 'validation_failed' });
    expect(scope.body).toContain('admin:all');
    expect((await post(`/agents/${agent.id}/api-keys`, { ttl: DAY, resources: ['https://other.example.com'] })).statusCode).toBe(400);
    expect((await post('/agents/agt_doesnotexist0000000000/api-keys', { ttl: DAY })).statusCode).toBe(404);
    const other = await createAgent(t.server);
    await post(`/agents/${other.id}/suspend`);
    expect((await post(`/agents/${other.id}/api-keys`, { ttl: DAY })).json()).toMatchObject({ code: 'conflict' });
  });

  it('rotates with an overlap window: the successor is new, the old key expires when the window ends', async () => {
    const { api_key: old } = await create({ ttl: 10 * DAY, owner: 'alice@example.com' });
    const response = await post(`/api-keys/${old.id}/rotate`, { overlap: 3600 });
    expect(response.statusCode).toBe(201);
    const next = response.json() as { api_key: Key; key: string };
    keysShown.push(next.key);
    expect(next.api_key).toMatchObject({ replaces_id: old.id, owner: 'alice@example.com', status: 'active' });
    expect(Date.parse(next.api_key.expires_at) - t.clock.now()).toBe(10 * DAY * 1000);
    const before = (await get(`/api-keys/${old.id}`)).json() as Key;
    expect(Date.parse(before.expires_at) - t.clock.now()).toBe(3600 * 1000);
    t.clock.advance(3600 * 1000);
    expect(((await get(`/api-keys/${old.id}`)).json() as Key).status).toBe('expired');
    // An expired key cannot be rotated again.
    expect((await post(`/api-keys/${old.id}/rotate`, { overlap: 0 })).json()).toMatchObject({ code: 'conflict' });
    expect((await post(`/api-keys/${next.api_key.id}/rotate`, { overlap: 8 * DAY })).statusCode).toBe(400);
  });

  it('revokes once; a second revocation and rotating a revoked key are conflicts', async () => {
    const { api_key } = await create({ ttl: DAY });
    const revoked = await post(`/api-keys/${api_key.id}/revoke`);
    expect(revoked.statusCode).toBe(200);
    expect(revoked.json()).toMatchObject({ status: 'revoked', revoked_at: new Date(t.clock.now()).toISOString() });
    expect((await post(`/api-keys/${api_key.id}/revoke`)).json()).toMatchObject({ code: 'conflict' });
    expect((await post(`/api-keys/${api_key.id}/rotate`, { overlap: 0 })).json()).toMatchObject({ code: 'conflict' });
    expect((await get(`/api-keys/ak_${'u'.repeat(22)}`)).statusCode).toBe(404);
    expect((await get('/api-keys/not-a-key-id')).statusCode).toBe(400);
  });

  it('lists an agent’s keys, oldest first', async () => {
    const list = (await get(`/api-keys?agent_id=${agent.id}`)).json() as { items: Key[] };
    expect(list.items.length).toBe(keysShown.length);
    expect(list.items.every((k) => k.agent_id === agent.id)).toBe(true);
    // Created at one frozen instant, so the order among them is by id; the states are what matter.
    expect(list.items.map((k) => k.status).sort()).toEqual(['active', 'active', 'expired', 'revoked']);
    expect(((await get(`/api-keys?agent_id=${agent.id}&limit=1`)).json() as { items: Key[] }).items).toHaveLength(1);
  });

  it('audits every change without any key material', async () => {
    const records = async (event: string) => {
      const response = await get(`/audit?event=${event}&agent_id=${agent.id}&limit=100`);
      expect(response.statusCode).toBe(200);
      return { body: response.body, items: (response.json() as { items: { actor: string }[] }).items };
    };
    const created = await records('api_key.created');
    const rotated = await records('api_key.rotated');
    const revoked = await records('api_key.revoked');
    expect([created.items.length, rotated.items.length, revoked.items.length]).toEqual([3, 1, 1]);
    expect(revoked.items[0]?.actor).toBe('admin:bootstrap');
    const text = created.body + rotated.body + revoked.body;
    for (const key of keysShown) {
      expect(text).not.toContain(key.slice(4, 30));
      expect(text).not.toContain(createHash('sha256').update(key).digest('hex'));
    }
  });
});
