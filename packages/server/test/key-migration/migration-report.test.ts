import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { GRANT_TOKEN_EXCHANGE, TOKEN_TYPE_API_KEY } from '@agentauth/protocol';
import { FrozenClock } from '../../src/clock.js';
import { roleAllows } from '../../src/people/admin-roles.js';
import { ASSERTION_TYPE, BACKENDS, BOOTSTRAP_TOKEN, clientAssertion, createAgent, form, FORM, startTestServer, type TestAgent, type TestServer } from '../support/test-server.js';

const ADMIN = { authorization: `Bearer ${BOOTSTRAP_TOKEN}` };
const DAY = 86_400_000;
const API = 'https://api.example.com';
const DAY0 = Date.UTC(2026, 10, 1, 12);

/*
 * A recorded history on a frozen clock, every call through the real endpoints:
 *   2026-11-01  `legacy` exchanges managed key K once and gets one client_credentials token;
 *               the billing service asks about imported key I once (at API), and about K once
 *               at /introspect (no resource named)
 *   2026-11-02  K exchanged twice, one token
 *   2026-11-03  three tokens; managed key Q (created day 0) was never used
 *   2026-12-10  the report is read (since 30d reaches back to 2026-11-10: nothing; 45d: all)
 */
describe.each(BACKENDS)('migration progress report (%s)', (backend) => {
  let t: TestServer;
  let legacy: TestAgent;
  let managed: { id: string; key: string };
  let quiet: { id: string };
  let imported: { id: string; digest: string };

  const token = async () => {
    const assertion = await clientAssertion(legacy, t.clock.now());
    const response = await t.server.app.inject({ method: 'POST', url: '/token', headers: FORM, payload: form({ grant_type: 'client_credentials', client_assertion_type: ASSERTION_TYPE, client_assertion: assertion, resource: API }) });
    expect(response.statusCode, response.body).toBe(200);
  };
  const exchange = async () => {
    const response = await t.server.app.inject({ method: 'POST', url: '/token', headers: FORM, payload: form({ grant_type: GRANT_TOKEN_EXCHANGE, subject_token: managed.key, subject_token_type: TOKEN_TYPE_API_KEY, resource: API }) });
    expect(response.statusCode, response.body).toBe(200);
  };
  const newKey = async (body: Record<string, unknown>) => {
    const response = await t.server.app.inject({ method: 'POST', url: `/admin/v1/agents/${legacy.id}/api-keys`, headers: ADMIN, payload: { ttl: 60 * 86_400, ...body } });
    expect(response.statusCode, response.body).toBe(201);
    const created = response.json() as { api_key: { id: string }; key: string };
    return { id: created.api_key.id, key: created.key };
  };

  beforeAll(async () => {
    t = await startTestServer(backend, {}, { clock: new FrozenClock(DAY0) });
    legacy = await createAgent(t.server, { name: 'legacy', resources: [API], grant_types: ['client_credentials', GRANT_TOKEN_EXCHANGE] });
    const registered = await t.server.app.inject({ method: 'POST', url: '/admin/v1/agents', headers: ADMIN, payload: { name: 'billing', owner: 'team-billing', scopes: ['agentauth:introspect'], resources: [API], token_endpoint_auth_method: 'client_secret_basic' } });
    const service = registered.json() as { agent: { id: string }; client_secret: string };
    const basic = `Basic ${Buffer.from(`${service.agent.id}:${service.client_secret}`).toString('base64')}`;
    managed = await newKey({});
    quiet = await newKey({ owner: 'team-quiet' });
    const digest = createHash('sha256').update(`sk_live_${randomBytes(16).toString('hex')}`).digest('hex');
    const done = await t.server.app.inject({ method: 'POST', url: '/admin/v1/imported-keys/import', headers: ADMIN, payload: { keys: [{ key_digest: digest, agent_id: legacy.id }] } });
    expect(done.statusCode, done.body).toBe(201);
    imported = { id: (done.json() as { items: { id: string }[] }).items[0]!.id, digest };

    await exchange();
    await token();
    const asked = await t.server.app.inject({
      method: 'POST',
      url: '/introspect/key-digest',
      headers: { ...FORM, authorization: basic },
      payload: form({ key_digest: imported.digest, resource: API }),
    });
    expect(asked.json()).toMatchObject({ active: true });
    // A service that accepts managed keys directly asks /introspect, which names no resource.
    const introspected = await t.server.app.inject({ method: 'POST', url: '/introspect', headers: { ...FORM, authorization: basic }, payload: form({ token: managed.key }) });
    expect(introspected.json()).toMatchObject({ active: true, key_id: managed.id });
    t.clock.advance(DAY);
    await exchange();
    await exchange();
    await token();
    t.clock.advance(DAY);
    await token();
    await token();
    await token();
    t.clock.set(Date.UTC(2026, 11, 10, 12));
  });
  afterAll(async () => t?.close());

  const report = async (query: string) => {
    const response = await t.server.app.inject({ method: 'GET', url: `/admin/v1/migration/report${query}`, headers: ADMIN });
    expect(response.statusCode, response.body).toBe(200);
    return response.json();
  };

  it('counts calls by key and by token per agent, resource and day, with the key share', async () => {
    const body = await report('?since=45d&unused_days=30');
    expect(body.totals).toEqual({ tokens: 5, managed_keys: 4, imported_keys: 1, key_share: 0.5 });
    expect(body.rows).toEqual([
      { agent_id: legacy.id, resource: null, tokens: 0, managed_keys: 1, imported_keys: 0, key_share: 1, days: [{ day: '2026-11-01', tokens: 0, managed_keys: 1, imported_keys: 0, key_share: 1 }] },
      {
        agent_id: legacy.id,
        resource: API,
        tokens: 5,
        managed_keys: 3,
        imported_keys: 1,
        key_share: 0.444,
        days: [
          { day: '2026-11-01', tokens: 1, managed_keys: 1, imported_keys: 1, key_share: 0.667 },
          { day: '2026-11-02', tokens: 1, managed_keys: 2, imported_keys: 0, key_share: 0.667 },
          { day: '2026-11-03', tokens: 3, managed_keys: 0, imported_keys: 0, key_share: 0 },
        ],
      },
    ]);
    expect(body.window).toEqual({ since: '45d', from: new Date(Date.UTC(2026, 11, 10, 12) - 45 * DAY).toISOString(), to: '2026-12-10T12:00:00.000Z' });
    expect(body.truncated).toBe(false);
  });

  it('reads only the window', async () => {
    const body = await report('');
    expect(body.window.since).toBe('30d');
    expect(body.rows).toEqual([]);
    expect(body.totals).toEqual({ tokens: 0, managed_keys: 0, imported_keys: 0, key_share: null });
  });

  it('lists live keys unused for N days, and those that outlive the sunset', async () => {
    const body = await report('?since=45d&unused_days=30&sunset=2026-12-20T00:00:00Z');
    // Every key was last used (or created) 37 days or more ago.
    expect(body.unused_keys.map((key: { id: string }) => key.id).sort()).toEqual([managed.id, quiet.id, imported.id].sort());
    const quietKey = body.unused_keys.find((key: { id: string }) => key.id === quiet.id);
    expect(quietKey).toEqual({ id: quiet.id, kind: 'managed', agent_id: legacy.id, owner: 'team-quiet', expires_at: new Date(DAY0 + 60 * DAY).toISOString(), last_used_at: null });
    expect(body.unused_keys.find((key: { id: string }) => key.id === managed.id).last_used_at).toBe(new Date(DAY0 + DAY).toISOString());
    // Managed keys expire on 2026-12-31, after the sunset; the imported key (default 90 days) too.
    expect(body.keys_past_sunset).toHaveLength(3);
    expect(body.sunset).toBe('2026-12-20T00:00:00.000Z');
    // 40 days: the managed key's last use (day 1, 39 days ago) is recent enough.
    expect((await report('?unused_days=40')).unused_keys.map((key: { id: string }) => key.id)).not.toContain(managed.id);
    expect(body.keys_without_owner).toEqual([]);
    // A sunset after every key's expiry lists none; a revoked key is not live.
    expect((await report('?sunset=2027-06-01T00:00:00Z')).keys_past_sunset).toEqual([]);
    await t.server.app.inject({ method: 'POST', url: `/admin/v1/api-keys/${quiet.id}/revoke`, headers: ADMIN });
    expect((await report('')).unused_keys.map((key: { id: string }) => key.id)).not.toContain(quiet.id);
  });

  it('refuses a window or threshold out of range, and an unauthenticated caller', async () => {
    expect((await t.server.app.inject({ method: 'GET', url: '/admin/v1/migration/report?since=400d', headers: ADMIN })).json().code).toBe('validation_failed');
    expect((await t.server.app.inject({ method: 'GET', url: '/admin/v1/migration/report?unused_days=0', headers: ADMIN })).statusCode).toBe(400);
    expect((await t.server.app.inject({ method: 'GET', url: '/admin/v1/migration/report' })).statusCode).toBe(401);
    const sunset = await t.server.app.inject({ method: 'GET', url: '/admin/v1/migration/report?sunset=next-march', headers: ADMIN });
    expect(sunset.statusCode).toBe(400);
    expect(sunset.json().code).toBe('validation_failed');
  });
});

describe('roles on the migration report route (docs/people.md, "Roles")', () => {
  it('lets an auditor and an operator read it, and no role nothing', () => {
    expect(roleAllows(['auditor'], 'GET', '/migration/report')).toBe(true);
    expect(roleAllows(['operator'], 'GET', '/migration/report')).toBe(true);
    expect(roleAllows([], 'GET', '/migration/report')).toBe(false);
  });
});
