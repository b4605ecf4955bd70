import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { roleAllows } from '../../src/people/admin-roles.js';
import { BACKENDS, BOOTSTRAP_TOKEN, createAgent, startTestServer, type TestAgent, type TestServer } from '../support/test-server.js';

const ADMIN = { authorization: `Bearer ${BOOTSTRAP_TOKEN}` };
const DAY = 86_400;
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe.each(BACKENDS)('looking up a managed API key by its digest (%s)', (backend) => {
  let t: TestServer;
  let agent: TestAgent;
  beforeAll(async () => {
    t = await startTestServer(backend, { AGENTAUTH_LOG_LEVEL: 'error' });
    agent = await createAgent(t.server);
  });
  afterAll(async () => {
    await t.close();
  });

  const post = (url: string, payload?: Record<string, unknown>) =>
    t.server.app.inject({ method: 'POST', url: `/admin/v1${url}`, headers: ADMIN, ...(payload === undefined ? {} : { payload }) });
  const lookup = (digest: string) => post('/api-keys/lookup', { key_sha256: digest });

  it('answers live, expired, revoked or unknown, with the key’s metadata but never the key or its digest', async () => {
    const live = (await post(`/agents/${agent.id}/api-keys`, { ttl: DAY })).json() as { api_key: { id: string }; key: string };
    const found = await lookup(sha256(live.key));
    expect(found.statusCode).toBe(200);
    expect(found.json()).toMatchObject({ status: 'live', api_key: { id: live.api_key.id, agent_id: agent.id, status: 'active' } });
    expect(found.body).not.toContain(live.key.slice(4, 47));
    expect(found.body).not.toContain(sha256(live.key));

    const later = (await post(`/agents/${agent.id}/api-keys`, { ttl: 3600 })).json() as { api_key: { id: string }; key: string };
    t.clock.advance(3601_000);
    expect((await lookup(sha256(later.key))).json()).toMatchObject({ status: 'expired', api_key: { id: later.api_key.id } });

    expect((await post(`/api-keys/${live.api_key.id}/revoke`)).statusCode).toBe(200);
    expect((await lookup(sha256(live.key))).json()).toMatchObject({ status: 'revoked', api_key: { id: live.api_key.id } });

    expect((await lookup('0'.repeat(64))).json()).toEqual({ status: 'unknown' });
  });

  it('refuses anything but a lowercase hex SHA-256, naming the field', async () => {
    for (const digest of ['A'.repeat(64), 'a'.repeat(63), 'aak_x']) {
      const refused = await lookup(digest);
      expect(refused.statusCode).toBe(400);
      expect(refused.body).toContain('key_sha256');
    }
    expect((await post('/api-keys/lookup', { key: 'x' })).statusCode).toBe(400);
  });
});

describe('roles on the lookup route (docs/people.md, "Roles")', () => {
  it('is a read: auditors and operators may look a key up', () => {
    expect(roleAllows(['auditor'], 'POST', '/api-keys/lookup')).toBe(true);
    expect(roleAllows(['operator'], 'POST', '/api-keys/lookup')).toBe(true);
    expect(roleAllows([], 'POST', '/api-keys/lookup')).toBe(false);
  });
});
