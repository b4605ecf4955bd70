import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ASSERTION_TYPE, BACKENDS, BOOTSTRAP_TOKEN, clientAssertion, createAgent, form, FORM, ISSUER, startTestServer, type TestAgent, type TestServer } from '../support/test-server.js';

const AUTH = { authorization: `Bearer ${BOOTSTRAP_TOKEN}` };

const FORBID_WRITE = `// no writes at night
@id("no-night-writes")
@description("Writes only in office hours")
forbid (principal, action == Action::"issue_token", resource)
when { context.scope like "*:write" && context.hour < 6 };
`;

describe.each(BACKENDS)('admin API: policies (%s)', (backend) => {
  let t: TestServer;
  let worker: TestAgent;
  let admin: TestAgent;

  beforeAll(async () => {
    t = await startTestServer(backend);
    worker = await createAgent(t.server);
    admin = await createAgent(t.server, { name: 'ops-bot', scopes: ['agentauth:admin'], resources: [ISSUER] });
  });
  afterAll(async () => t?.close());

  const call = (method: 'GET' | 'POST' | 'DELETE', url: string, payload?: unknown, headers: Record<string, string> = AUTH) =>
    t.server.app.inject({ method, url: `/admin/v1${url}`, headers, ...(payload === undefined ? {} : { payload: payload as object }) });

  async function adminToken(): Promise<string> {
    const response = await t.server.app.inject({
      method: 'POST',
      url: '/token',
      headers: FORM,
      payload: form({ grant_type: 'client_credentials', client_assertion_type: ASSERTION_TYPE, client_assertion: await clientAssertion(admin, t.clock.now()), scope: 'agentauth:admin', resource: ISSUER }),
    });
    expect(response.statusCode, response.body).toBe(200);
    return response.json().access_token as string;
  }

  it('lists the baseline set (version 0) before any change', async () => {
    const response = await call('GET', '/policies');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ version: 0, items: [{ id: 'allow-list', description: expect.any(String), effect: 'permit', changed_in: 0 }] });
    expect((await call('GET', '/policy-sets/0')).json()).toMatchObject({ version: 0, created_by: 'system', policies: [{ id: 'allow-list' }] });
  });

  it("refuses a policy that does not parse with Cedar's message and its line and column (422 policy_invalid)", async () => {
    const source = `@id("ok")\npermit (principal, action, resource);\n\n@id("broken")\nforbid (principal, action, resource)\nwhen { context.scope == };\n`;
    for (const url of ['/policies/validate', '/policies/apply']) {
      const response = await call('POST', url, { source });
      expect(response.statusCode).toBe(422);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      const body = response.json();
      expect(body).toMatchObject({ code: 'policy_invalid', status: 422 });
      expect(body.problems.length).toBeGreaterThan(0);
      expect(body.problems[0]).toMatchObject({ line: 6, column: expect.any(Number), message: expect.stringMatching(/unexpected token/i) });
    }
    expect((await call('GET', '/policies')).json().version).toBe(0);
  });

  it('refuses a policy that fails schema validation, naming the attribute and the line', async () => {
    const source = `@id("typo")\nforbid (principal, action, resource)\nwhen { context.scop == "x" };`;
    const response = await call('POST', '/policies/validate', { source });
    expect(response.statusCode).toBe(422);
    const [problem] = response.json().problems;
    expect(problem).toMatchObject({ policy_id: 'typo', line: 3 });
    expect(problem.message).toMatch(/scop/);
  });

  it('validates a good source without changing anything', async () => {
    const response = await call('POST', '/policies/validate', { source: FORBID_WRITE });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ ok: true, policies: ['no-night-writes'] });
    expect((await call('GET', '/policies')).json().version).toBe(0);
  });

  it('applies a change as the next version, with an audit record of who and the diff', async () => {
    const response = await call('POST', '/policies/apply', { source: FORBID_WRITE, comment: 'office hours', expected_version: 0 });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ version: 1, added: ['no-night-writes'], changed: [], deleted: [], entities_changed: false });

    const list = (await call('GET', '/policies')).json();
    expect(list).toEqual({
      version: 1,
      items: [
        { id: 'allow-list', description: expect.any(String), effect: 'permit', changed_in: 0 },
        { id: 'no-night-writes', description: 'Writes only in office hours', effect: 'forbid', changed_in: 1 },
      ],
    });
    const shown = (await call('GET', '/policies/no-night-writes')).json();
    expect(shown).toMatchObject({ id: 'no-night-writes', version: 1, changed_in: 1 });
    expect(shown.text).toContain('context.hour < 6');

    const records = (await t.server.deps.store.queryAudit({ event: 'policy_set.applied' }, { limit: 10 })).items;
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ actor: 'admin:bootstrap', outcome: 'success', details: { version: 1, previous_version: 0, added: ['no-night-writes'], changed: [], deleted: [], comment: 'office hours' } });
    const history = (await call('GET', '/policy-sets')).json().items;
    expect(history[0]).toMatchObject({ version: 1, created_by: 'admin:bootstrap', comment: 'office hours', policy_count: 2 });
  });

  it('lets exactly one of two concurrent applies on the same version win; the other gets 409 conflict', async () => {
    const a = `@id("a")\nforbid (principal, action, resource) when { context.scope == "a:x" };`;
    const b = `@id("b")\nforbid (principal, action, resource) when { context.scope == "b:x" };`;
    const responses = await Promise.all([call('POST', '/policies/apply', { source: a, expected_version: 1 }), call('POST', '/policies/apply', { source: b, expected_version: 1 })]);
    expect(responses.map((r) => r.statusCode).sort()).toEqual([200, 409]);
    const loser = responses.find((r) => r.statusCode === 409);
    expect(loser?.json().code).toBe('conflict');
    const list = (await call('GET', '/policies')).json();
    expect(list.version).toBe(2);
    // The set holds the winner's policy only: the loser changed nothing.
    expect(list.items.filter((p: { id: string }) => p.id === 'a' || p.id === 'b')).toHaveLength(1);
    expect((await t.server.deps.store.queryAudit({ event: 'policy_set.applied' }, { limit: 10 })).items).toHaveLength(2);
    // A stale expected version is refused outright.
    const stale = await call('POST', '/policies/apply', { source: a.replace('"a"', '"c"'), expected_version: 1 });
    expect(stale.statusCode).toBe(409);
    expect(stale.json().code).toBe('conflict');
  });

  it('refuses a set that would lock the admin API out, for the bootstrap token and for an admin agent itself', async () => {
    const lockout = `@id("no-admin")\nforbid (principal, action, resource) when { context.scope == "agentauth:admin" };`;
    const byBootstrap = await call('POST', '/policies/apply', { source: lockout });
    expect(byBootstrap.statusCode).toBe(409);
    expect(byBootstrap.json().code).toBe('policy_lockout');

    const ownToken = await adminToken();
    const self = `@id("not-me")\nforbid (principal == Agent::"${admin.id}", action, resource) when { context.scope == "agentauth:admin" };`;
    const byAgent = await call('POST', '/policies/apply', { source: self }, { authorization: `Bearer ${ownToken}` });
    expect(byAgent.statusCode).toBe(409);
    expect(byAgent.json()).toMatchObject({ code: 'policy_lockout', detail: expect.stringContaining(admin.id) });
    expect((await call('GET', '/policies')).json().version).toBe(2);
  });

  it('tests a described request under the set in force and under a proposed source', async () => {
    const night = '2026-03-02T03:00:00Z';
    const request = { agent_id: worker.id, action: 'issue_token', resources: ['https://api.example.com'], scopes: ['orders:write'], context: { time: night } };
    // Hours are in the policy time zone (UTC unless configured).
    const current = (await call('POST', '/policies/test', request)).json();
    expect(current).toMatchObject({ version: 2, proposed: false, result: { allowed: false, error: 'invalid_scope', decided_by: ['no-night-writes'] } });
    expect(current.decisions).toEqual([{ resource: 'https://api.example.com', scope: 'orders:write', allowed: false, policies: ['no-night-writes'], errors: [] }]);

    const day = (await call('POST', '/policies/test', { ...request, context: { time: '2026-03-02T10:00:00Z' } })).json();
    expect(day.result).toMatchObject({ allowed: true, scopes: ['orders:write'], ttl: 300, decided_by: ['allow-list'] });

    const capped = `@id("short")\n@max_ttl("60")\npermit (principal, action, resource);`;
    const proposed = (await call('POST', '/policies/test', { ...request, context: { time: '2026-03-02T10:00:00Z' }, source: capped })).json();
    expect(proposed).toMatchObject({ version: 3, proposed: true, result: { allowed: true, ttl: 60, ttl_capped_from: 300 } });
    expect((await call('GET', '/policies')).json().version).toBe(2);

    const unknown = await call('POST', '/policies/test', { ...request, agent_id: 'agt_doesnotexist00000000000000' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().code).toBe('not_found');
  });

  it('deletes a policy as a new version, and answers 404 for one that is not there', async () => {
    const deleted = await call('DELETE', '/policies/no-night-writes');
    expect(deleted.statusCode).toBe(200);
    expect(deleted.json()).toMatchObject({ version: 3, deleted: ['no-night-writes'] });
    const again = await call('DELETE', '/policies/no-night-writes');
    expect(again.statusCode).toBe(404);
    expect(again.json().code).toBe('not_found');
    expect((await call('GET', '/policies/no-night-writes')).statusCode).toBe(404);
    expect((await call('GET', '/policy-sets/99')).statusCode).toBe(404);
  });

  it('says in which version each policy last changed, through later versions that left it alone', async () => {
    const before = (await call('GET', '/policies')).json();
    const untouched = before.items.find((p: { id: string }) => p.id !== 'allow-list');
    const reworded = `@id("allow-list")\n@description("Everything the registry allows")\npermit (principal, action, resource);`;
    expect((await call('POST', '/policies/apply', { source: reworded })).json()).toMatchObject({ version: 4, changed: ['allow-list'] });
    const extra = `@id("z-extra")\nforbid (principal, action, resource) when { context.scope == "z:x" };`;
    expect((await call('POST', '/policies/apply', { source: extra })).json()).toMatchObject({ version: 5, added: ['z-extra'] });
    const after = (await call('GET', '/policies')).json();
    const expected = [
      { id: 'allow-list', description: 'Everything the registry allows', effect: 'permit', changed_in: 4 },
      { ...untouched, changed_in: 2 },
      { id: 'z-extra', description: '', effect: 'forbid', changed_in: 5 },
    ];
    expect(after.items).toEqual(expected.sort((a, b) => a.id.localeCompare(b.id)));
    expect((await call('GET', '/policy-sets/3')).json().policies.map((p: { id: string }) => p.id)).toEqual(before.items.map((p: { id: string }) => p.id));
  });

  it('takes described resources as entities, and refuses entities the schema does not allow', async () => {
    const source = `@id("sensitive-reads-only")\nforbid (principal, action, resource) when { resource.sensitivity == "high" && context.scope like "*:write" };`;
    const entities = [{ uid: { type: 'Resource', id: 'https://api.example.com' }, attrs: { sensitivity: 'high' } }];
    const request = { agent_id: worker.id, action: 'issue_token', resources: ['https://api.example.com'], scopes: ['orders:write'], context: { time: '2026-03-02T10:00:00Z' } };
    const answer = await call("POST", "/policies/test", { ...request, source, entities });
    expect(answer.statusCode, answer.body).toBe(200);
    const proposed = answer.json();
    expect(proposed.result).toMatchObject({ allowed: false, decided_by: ['sensitive-reads-only'] });
    // The same policy without the description: the resource has the default sensitivity.
    expect((await call('POST', '/policies/test', { ...request, source })).json().result.allowed).toBe(true);

    const agentEntity = await call('POST', '/policies/validate', { source, entities: [{ uid: { type: 'Agent', id: worker.id }, attrs: {} }] });
    expect(agentEntity.statusCode).toBe(422);
    expect(agentEntity.json().problems[0].message).toMatch(/only Resource and Group/);
    const shapeless = await call('POST', '/policies/validate', { source, entities: [{ id: 'x' }] });
    expect(shapeless.statusCode).toBe(400);
    expect(shapeless.json().code).toBe('validation_failed');
  });

  it('bounds the policy source: over 1 000 000 characters is refused', async () => {
    const huge = `@id("x")\npermit (principal, action, resource);\n//${'a'.repeat(1_000_000)}`;
    const response = await call('POST', '/policies/validate', { source: huge });
    expect(response.statusCode).toBe(400);
    expect(response.json().code).toBe('validation_failed');
    const tooLarge = await call('POST', '/policies/validate', { source: 'x'.repeat(3 * 1024 * 1024) });
    expect(tooLarge.statusCode).toBe(413);
    expect(tooLarge.json()).toMatchObject({ code: 'payload_too_large', detail: 'the request body exceeds 3072 KiB' });
    // Other admin routes keep their 64 KiB.
    const agent = await call('POST', '/agents', { name: 'x'.repeat(70 * 1024), owner: 'o' });
    expect(agent.statusCode).toBe(413);
  });

  it('refuses policy routes to a caller without admin credentials', async () => {
    const response = await call('GET', '/policies', undefined, {});
    expect(response.statusCode).toBe(401);
  });
});
