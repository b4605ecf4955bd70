import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { roleAllows } from '../../src/people/admin-roles.js';
import { withRawDatabase } from '../support/raw-database.js';
import { BACKENDS, BOOTSTRAP_TOKEN, createAgent, startTestServer, type TestAgent, type TestServer } from '../support/test-server.js';

const ADMIN = { authorization: `Bearer ${BOOTSTRAP_TOKEN}` };
const DAY = 86_400;

interface ImportedKey {
  id: string;
  agent_id: string;
  owner: string;
  scopes: string[];
  resources: string[];
  labels: Record<string, string>;
  imported_at: string;
  expires_at: string;
  revoked_at: string | null;
  status: string;
  usage: { count: number; last_used_at: string | null; source_addresses: string[] };
}

/** A third-party key a service holds today, and the digest the team exports. */
function legacyKey(): { key: string; digest: string } {
  const key = `sk_live_${randomBytes(24).toString('hex')}`;
  return { key, digest: createHash('sha256').update(key).digest('hex') };
}

describe.each(BACKENDS)('imported keys on the admin API (%s)', (backend) => {
  let t: TestServer;
  let agent: TestAgent;
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

  it('imports a batch by digest with the agent’s defaults, shows no digest, and stores only the digest', async () => {
    const a = legacyKey();
    const b = legacyKey();
    const expiresAt = new Date(t.clock.now() + 7 * DAY * 1000).toISOString();
    const response = await post('/imported-keys/import', {
      keys: [
        { key_digest: a.digest, agent_id: agent.id, scopes: ['orders:read'], labels: { source: 'vault' }, expires_at: expiresAt },
        { key_digest: b.digest, agent_id: agent.id, owner: 'team-legacy' },
      ],
    });
    expect(response.statusCode, response.body).toBe(201);
    const items = (response.json() as { items: ImportedKey[] }).items;
    expect(items).toHaveLength(2);
    expect(items[0]).toMatchObject({ agent_id: agent.id, owner: 'team-test', scopes: ['orders:read'], resources: ['https://api.example.com'], labels: { source: 'vault' }, expires_at: expiresAt, status: 'active', revoked_at: null });
    expect(items[0]?.id).toMatch(/^ik_[A-Za-z0-9_-]{22}$/);
    // Defaults: all of the agent's scopes and resources, and the longest expiry allowed.
    expect(items[1]).toMatchObject({ owner: 'team-legacy', scopes: ['orders:read', 'orders:write'], resources: ['https://api.example.com'] });
    expect(Date.parse(items[1]!.expires_at) - t.clock.now()).toBe(30 * DAY * 1000);
    expect(items[0]?.usage).toEqual({ count: 0, last_used_at: null, source_addresses: [] });
    expect(response.body).not.toContain(a.digest);

    const shown = await get(`/imported-keys/${items[0]!.id}`);
    expect(shown.json()).toEqual(items[0]);
    const listed = (await get(`/imported-keys?agent_id=${agent.id}`)).json() as { items: ImportedKey[] };
    expect(listed.items.map((k) => k.id)).toEqual(expect.arrayContaining(items.map((k) => k.id)));
    expect(JSON.stringify(listed)).not.toContain(a.digest);

    const rows = await withRawDatabase(t.server.deps.config, (db) => db.selectFrom('imported_keys').selectAll().where('id', '=', items[0]!.id).execute());
    expect(rows[0]?.key_digest).toBe(a.digest);
    const audit = (await get('/audit?event=imported_key.imported&limit=100')).json() as { items: { agent_id: string; details: Record<string, unknown> }[] };
    expect(audit.items.map((r) => r.details['imported_key_id'])).toEqual(expect.arrayContaining(items.map((k) => k.id)));
    expect(audit.items.find((r) => r.details['imported_key_id'] === items[0]!.id)?.details).toMatchObject({ line: 1, owner: 'team-test', scopes: ['orders:read'] });
    expect(JSON.stringify(audit)).not.toContain(a.digest);
  });

  it('refuses a batch with any bad line, writing nothing, and names every line at fault without echoing values', async () => {
    const before = ((await get('/imported-keys?limit=500')).json() as { items: unknown[] }).items.length;
    const good = legacyKey();
    const taken = legacyKey();
    expect((await post('/imported-keys/import', { keys: [{ key_digest: taken.digest, agent_id: agent.id }] })).statusCode).toBe(201);
    const raw = legacyKey();
    const suspended = await createAgent(t.server);
    await post(`/agents/${suspended.id}/suspend`);
    const response = await post('/imported-keys/import', {
      keys: [
        { line: 10, key_digest: good.digest, agent_id: agent.id },
        { line: 11, key_digest: raw.key, agent_id: agent.id },
        { line: 12, key_digest: good.digest.toUpperCase(), agent_id: agent.id },
        { line: 13, key_digest: good.digest, agent_id: agent.id },
        { line: 14, key_digest: taken.digest, agent_id: agent.id },
        { line: 15, key_digest: legacyKey().digest, agent_id: 'agt_nobody' },
        { line: 16, key_digest: legacyKey().digest, agent_id: agent.id, scopes: ['orders:delete'], resources: ['https://other.example.com'] },
        { line: 17, key_digest: legacyKey().digest, agent_id: agent.id, expires_at: new Date(t.clock.now() + 31 * DAY * 1000).toISOString() },
        { line: 18, key_digest: legacyKey().digest, agent_id: agent.id, expires_at: 'tomorrow', colour: 'blue' },
        { line: 19, key_digest: legacyKey().digest, agent_id: suspended.id },
      ],
    });
    expect(response.statusCode).toBe(400);
    const problem = response.json() as { code: string; detail: string; lines: { line: number; field?: string; message: string }[] };
    expect(problem.code).toBe('validation_failed');
    expect(problem.detail).toMatch(/nothing was imported/);
    const faults = problem.lines.map((l) => `${l.line} ${l.field ?? '-'}`);
    expect(faults).toEqual(['11 key_digest', '12 key_digest', '13 key_digest', '14 key_digest', '15 agent_id', '16 scopes', '16 resources', '17 expires_at', '18 -', '18 expires_at', '19 agent_id']);
    expect(problem.lines.find((l) => l.line === 13)?.message).toBe('repeats the digest of line 10');
    expect(problem.lines.find((l) => l.line === 18 && l.field === undefined)?.message).toBe('unknown member: colour');
    expect(response.body).not.toContain(raw.key);
    expect(response.body).not.toContain(good.digest);
    expect(response.body).not.toContain(taken.digest);
    expect(((await get('/imported-keys?limit=500')).json() as { items: unknown[] }).items.length).toBe(before + 1);
  });

  it('refuses an empty batch and one over 1000 lines', async () => {
    expect((await post('/imported-keys/import', { keys: [] })).statusCode).toBe(400);
    const many = Array.from({ length: 1001 }, () => ({ key_digest: legacyKey().digest, agent_id: agent.id }));
    expect((await post('/imported-keys/import', { keys: many })).statusCode).toBe(400);
  });

  it('revokes once; a second revocation is a conflict; an unknown id is not found', async () => {
    const created = (await post('/imported-keys/import', { keys: [{ key_digest: legacyKey().digest, agent_id: agent.id }] })).json() as { items: ImportedKey[] };
    const id = created.items[0]!.id;
    const revoked = await post(`/imported-keys/${id}/revoke`);
    expect(revoked.statusCode).toBe(200);
    expect(revoked.json()).toMatchObject({ id, status: 'revoked' });
    expect((await post(`/imported-keys/${id}/revoke`)).statusCode).toBe(409);
    expect((await get('/imported-keys/ik_AAAAAAAAAAAAAAAAAAAAAA')).statusCode).toBe(404);
    expect((await get('/imported-keys/not-an-id')).statusCode).toBe(400);
  });
});

describe('roles on the imported key routes (docs/people.md, "Roles")', () => {
  it('lets an operator import and revoke, an auditor only read', () => {
    for (const route of ['/imported-keys/import', '/imported-keys/:key_id/revoke']) {
      expect(roleAllows(['operator'], 'POST', route)).toBe(true);
      expect(roleAllows(['auditor'], 'POST', route)).toBe(false);
    }
    expect(roleAllows(['auditor'], 'GET', '/imported-keys')).toBe(true);
    expect(roleAllows(['auditor'], 'GET', '/imported-keys/:key_id')).toBe(true);
  });
});
