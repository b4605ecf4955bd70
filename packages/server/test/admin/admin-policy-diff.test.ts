import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replayDecisions } from '../../src/policy/policy-dry-run.js';
import { ASSERTION_TYPE, BACKENDS, BOOTSTRAP_TOKEN, clientAssertion, createAgent, form, FORM, startTestServer, type TestAgent, type TestServer } from '../support/test-server.js';

const AUTH = { authorization: `Bearer ${BOOTSTRAP_TOKEN}` };
const API = 'https://api.example.com';
/** A Monday, 10:00 UTC. */
const NOW = Date.UTC(2026, 2, 2, 10, 0);

/**
 * The dry run (`POST /policies/diff`) over a history made through the real `/token` endpoint under a
 * frozen clock: it must list exactly the past requests a proposed set would decide otherwise.
 */
describe.each(BACKENDS)('admin API: policy dry run against the audit log (%s)', (backend) => {
  let t: TestServer;
  let alice: TestAgent;
  let bob: TestAgent;
  let carol: TestAgent;

  const call = (method: 'GET' | 'POST' | 'DELETE', url: string, payload?: object) => t.server.app.inject({ method, url: `/admin/v1${url}`, headers: AUTH, ...(payload === undefined ? {} : { payload }) });
  const token = async (agent: TestAgent, scope?: string) =>
    t.server.app.inject({
      method: 'POST',
      url: '/token',
      headers: FORM,
      payload: form({ grant_type: 'client_credentials', client_assertion_type: ASSERTION_TYPE, client_assertion: await clientAssertion(agent, t.clock.now()), ...(scope === undefined ? {} : { scope }) }),
    });

  beforeAll(async () => {
    t = await startTestServer(backend);
    t.clock.set(NOW - 2 * 3_600_000);
    [alice, bob, carol] = [await createAgent(t.server, { name: 'alice' }), await createAgent(t.server, { name: 'bob' }), await createAgent(t.server, { name: 'carol' })];
    // Outside the window replayed below: never reported.
    expect((await token(alice, 'orders:write')).statusCode).toBe(200);

    // In force during the window: bob may not read.
    const applied = await call('POST', '/policies/apply', { source: `@id("no-bob-read")\nforbid (principal == Agent::"${bob.id}", action, resource) when { context.scope == "orders:read" };` });
    expect(applied.statusCode).toBe(200);

    t.clock.set(NOW - 30 * 60_000);
    expect((await token(alice, 'orders:write')).statusCode).toBe(200);
    expect((await token(alice, 'orders:write')).statusCode).toBe(200);
    expect((await token(alice, 'orders:read')).statusCode).toBe(200);
    expect((await token(alice)).json().scope).toBe('orders:read orders:write');
    expect((await token(bob, 'orders:write')).statusCode).toBe(200);
    expect((await token(bob, 'orders:read')).json().error).toBe('invalid_scope');
    // Refused by the allow-list before the policy layer: not replayable.
    expect((await token(bob, 'orders:delete')).json().error).toBe('invalid_scope');
    expect((await token(carol, 'orders:write')).statusCode).toBe(200);
    expect((await call('DELETE', `/agents/${carol.id}`)).statusCode).toBe(204);
    t.clock.set(NOW);
  });
  afterAll(async () => t?.close());

  it('lists exactly the past requests whose outcome a proposed set changes, by agent, resource and scope', async () => {
    // The whole set replaced: bob's forbid goes, a forbid on alice's writes comes.
    const source = `@id("allow-list")\npermit (principal, action, resource);\n\n@id("no-alice-writes")\nforbid (principal == Agent::"${alice.id}", action == Action::"issue_token", resource) when { context.scope == "orders:write" };`;
    const response = await call('POST', '/policies/diff', { source, replace: true, since: '1h' });
    expect(response.statusCode).toBe(200);
    const report = response.json();
    expect(report).toMatchObject({ current_version: 1, records_read: 8, replayed: 6, not_replayable: 1, agents_missing: 1, capped: false, changed_requests: 4 });
    expect(report.from).toBe(new Date(NOW - 3_600_000).toISOString());
    const changes = report.changes.map((c: Record<string, unknown>) => ({ change: c.change, agent_id: c.agent_id, resource: c.resource, scope: c.scope, count: c.count }));
    expect(changes).toEqual([
      { change: 'allowed_to_denied', agent_id: alice.id, resource: API, scope: 'orders:write', count: 2 },
      { change: 'denied_to_allowed', agent_id: bob.id, resource: API, scope: 'orders:read', count: 1 },
      { change: 'narrowed', agent_id: alice.id, resource: API, scope: 'orders:write', count: 1 },
    ].sort((a, b) => b.count - a.count || a.agent_id.localeCompare(b.agent_id)));
    const example = report.changes.find((c: { change: string }) => c.change === 'allowed_to_denied').example;
    expect(example).toMatchObject({ time: new Date(NOW - 30 * 60_000).toISOString(), recorded: 'issued', proposed: 'denied' });
    const record = (await t.server.deps.store.queryAudit({ event: 'access_token.issued', agentId: alice.id }, { limit: 50 })).items.find((r) => r.seq === example.seq);
    expect(record?.details['scope']).toBe('orders:write');
    // Nothing was applied.
    expect((await call('GET', '/policies')).json().version).toBe(1);
  });

  it('reports shorter lifetimes, and reaches further back with a longer window', async () => {
    const response = await call('POST', '/policies/diff', { source: `@id("allow-list")\n@max_ttl("60")\npermit (principal, action, resource);`, since: '3h' });
    expect(response.statusCode).toBe(200);
    const report = response.json();
    expect(report.records_read).toBe(9);
    const shorter = report.changes.filter((c: { change: string }) => c.change === 'shorter_ttl');
    expect(shorter.find((c: { agent_id: string; scope: string }) => c.agent_id === alice.id && c.scope === 'orders:write')).toMatchObject({ count: 4, example: { recorded: '300 s', proposed: '60 s' } });
    expect(report.changes.every((c: { change: string }) => c.change === 'shorter_ttl')).toBe(true);
  });

  it('stops at its bounds on records read and distinct requests decided, and says so', async () => {
    const { store, policies } = t.server.deps;
    const proposed = policies.service.validate({ source: `@id("no-writes")\nforbid (principal, action, resource) when { context.scope == "orders:write" };` });
    const deps = { audit: store, agents: store, decider: policies.decider };
    const from = NOW - 3_600_000;
    expect(await replayDecisions(deps, proposed, { from, to: NOW, maxRecords: 3, maxDecisions: 100 })).toMatchObject({ capped: true, recordsRead: 3, replayed: 3 });
    // alice's two equal write requests of one minute are one decision; her default-scope request would be the third.
    expect(await replayDecisions(deps, proposed, { from, to: NOW, maxRecords: 100, maxDecisions: 2 })).toMatchObject({ capped: true, recordsRead: 3, replayed: 3 });
    expect(await replayDecisions(deps, proposed, { from, to: NOW, maxRecords: 100, maxDecisions: 100 })).toMatchObject({ capped: false, recordsRead: 8 });
  });

  it('refuses an invalid proposal or window before reading anything', async () => {
    const invalid = await call('POST', '/policies/diff', { source: '@id("x")\npermit (principal, action, resource', since: '7d' });
    expect(invalid.statusCode).toBe(422);
    expect(invalid.json().code).toBe('policy_invalid');
    const window = await call('POST', '/policies/diff', { source: '@id("x")\npermit (principal, action, resource);', since: 'a week' });
    expect(window.statusCode).toBe(400);
    const tooLong = await call('POST', '/policies/diff', { source: '@id("x")\npermit (principal, action, resource);', since: '999d' });
    expect(tooLong.statusCode).toBe(400);
  });
});
