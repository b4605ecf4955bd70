import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgent, ISSUER } from '../support/test-server.js';
import { accessToken, EVALUATION, EVALUATIONS, ISSUANCE, startPdp, type PdpHarness } from './authzen-harness.js';

// AuthZEN 1.0 §6 and §7 against a real server: decisions from the stored Cedar set, as `call_api`.
describe('AuthZEN access evaluation', () => {
  let h: PdpHarness;
  let agentId: string;
  beforeAll(async () => {
    h = await startPdp();
    agentId = (await createAgent(h.t.server, { name: 'billing-bot', labels: { team: 'payments' } })).id;
  });
  afterAll(() => h.close());

  const invoice = (id: string, properties?: Record<string, unknown>) => ({ type: 'invoice', id, ...(properties ? { properties } : {}) });
  const question = (subject: unknown, name = 'read', resource: unknown = invoice('inv-1')) => ({ subject, action: { name }, resource });
  const decision = async (body: unknown) => {
    const response = await h.ask(EVALUATION, body);
    expect(response.statusCode, response.body).toBe(200);
    return (response.json() as { decision: boolean }).decision;
  };

  it('denies every API call under the baseline set: nothing permits call_api until an operator writes it', async () => {
    expect(h.t.server.deps.policies.directory.current().version).toBe(0);
    expect(await decision(question({ type: 'agent', id: agentId }))).toBe(false);
  });

  it('permits what a policy permits, reading the agent from the registry, and a forbid takes it back', async () => {
    await h.policies(`${ISSUANCE}
@id("payments-read")
permit (principal is Agent, action == Action::"call_api", resource is ApiResource)
when { principal.hasTag("team") && principal.getTag("team") == "payments" && resource.type == "invoice" && context.name == "read" };`);
    expect(await decision(question({ type: 'agent', id: agentId }))).toBe(true);
    expect(await decision(question({ type: 'agent', id: agentId }, 'delete'))).toBe(false);
    expect(await decision(question({ type: 'agent', id: agentId }, 'read', { type: 'payroll', id: 'inv-1' }))).toBe(false);
    // What the caller says about an agent is not read: the registry's labels decide.
    const other = await createAgent(h.t.server, { name: 'other-bot', labels: { team: 'growth' } });
    expect(await decision(question({ type: 'agent', id: other.id, properties: { team: 'payments' } }))).toBe(false);

    await h.policies(`${ISSUANCE}
@id("payments-read")
permit (principal is Agent, action == Action::"call_api", resource is ApiResource)
when { principal.hasTag("team") && principal.getTag("team") == "payments" && resource.type == "invoice" && context.name == "read" };
@id("no-archived")
forbid (principal, action == Action::"call_api", resource is ApiResource)
when { resource.hasTag("archived") && resource.getTag("archived") == "true" };`);
    expect(await decision(question({ type: 'agent', id: agentId }, 'read', invoice('inv-1', { archived: false })))).toBe(true);
    expect(await decision(question({ type: 'agent', id: agentId }, 'read', invoice('inv-1', { archived: true })))).toBe(false);
  });

  it('denies an unknown agent, a suspended one, and a subject type it cannot place', async () => {
    await h.policies(`${ISSUANCE}@id("all-calls")\npermit (principal, action == Action::"call_api", resource);`);
    expect(await decision(question({ type: 'agent', id: agentId }))).toBe(true);
    expect(await decision(question({ type: 'agent', id: 'agt_does_not_exist' }))).toBe(false);
    expect(await decision(question({ type: 'agent', id: 'alice@example.com' }))).toBe(false);
    expect(await decision(question({ type: 'robot', id: agentId }))).toBe(false);
    const suspended = await createAgent(h.t.server, { name: 'to-suspend' });
    expect(await decision(question({ type: 'agent', id: suspended.id }))).toBe(true);
    const response = await h.t.server.app.inject({ method: 'POST', url: `/admin/v1/agents/${suspended.id}/suspend`, headers: { authorization: 'Bearer test-bootstrap-token-0123456789abcdefghijklmnop' } });
    expect(response.statusCode, response.body).toBe(200);
    expect(await decision(question({ type: 'agent', id: suspended.id }))).toBe(false);
  });

  it('reads a user subject and its properties as tags, and names the asking service in context.pep', async () => {
    await h.policies(`${ISSUANCE}
@id("sales-reads")
permit (principal is User, action == Action::"call_api", resource)
when { principal.hasTag("department") && principal.getTag("department") == "Sales" && principal.email == "alice@example.com" && context.pep == "${h.pep.id}" };`);
    const alice = { type: 'user', id: 'alice', properties: { department: 'Sales', email: 'alice@example.com' } };
    expect(await decision(question(alice))).toBe(true);
    expect(await decision(question({ ...alice, properties: { department: 'Engineering', email: 'alice@example.com' } }))).toBe(false);
    // The same question from another service is not the same question.
    const otherPep = await createAgent(h.t.server, { name: 'other-pep', scopes: ['agentauth:authorize'] });
    const response = await h.ask(EVALUATION, question(alice), { token: await accessToken(h.t, otherPep, 'agentauth:authorize') });
    expect(response.json()).toEqual({ decision: false });
  });

  it('shows policies scalar properties only: a deeply nested or large one is not read, and does not break the decision', async () => {
    await h.policies(`${ISSUANCE}
@id("flagged")
permit (principal, action == Action::"call_api", resource is ApiResource) when { resource.hasTag("flag") && resource.getTag("flag") == "42" };`);
    const nested = '['.repeat(20_000) + ']'.repeat(20_000);
    const raw = `{"subject":{"type":"agent","id":"${agentId}"},"action":{"name":"read"},"resource":{"type":"invoice","id":"1","properties":{"flag":42,"deep":${nested},"long":"${'x'.repeat(2_000)}"}}}`;
    const response = await h.ask(EVALUATION, undefined, { raw });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ decision: true });
  });

  it('denies when a policy fails to evaluate, even where another permits (fail closed)', async () => {
    await h.policies(`${ISSUANCE}
@id("all-calls")
permit (principal, action == Action::"call_api", resource);
@id("overflows")
forbid (principal, action == Action::"call_api", resource) when { (context.weekday + 1) * 9223372036854775807 > 1 };`);
    expect(await decision(question({ type: 'agent', id: agentId }))).toBe(false);
  });

  it('answers only the decision, with no policy ids, and echoes X-Request-ID (AuthZEN 1.0 section 10.1.3)', async () => {
    await h.policies(`${ISSUANCE}@id("all-calls")\npermit (principal, action == Action::"call_api", resource);`);
    const response = await h.ask(EVALUATION, { ...question({ type: 'agent', id: agentId }), context: { time: '1985-10-26T01:22-07:00' } }, { headers: { 'x-request-id': 'bfe9eb29-ab87-4ca3-be83-a1d5d8305716' } });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.headers['x-request-id']).toBe('bfe9eb29-ab87-4ca3-be83-a1d5d8305716');
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.json()).toEqual({ decision: true });
  });

  describe('Access Evaluations (AuthZEN 1.0 section 7)', () => {
    beforeAll(() => h.policies(`${ISSUANCE}
@id("read-invoices")
permit (principal, action == Action::"call_api", resource is ApiResource) when { context.name == "read" && resource.id != "2" };`));
    const batch = (semantic?: string, extra: Record<string, unknown> = {}) => ({
      subject: { type: 'agent', id: agentId },
      action: { name: 'read' },
      ...(semantic === undefined ? {} : { options: { evaluations_semantic: semantic } }),
      evaluations: [{ resource: invoice('1') }, { resource: invoice('2') }, { resource: invoice('3') }],
      ...extra,
    });
    const decisions = async (body: unknown) => {
      const response = await h.ask(EVALUATIONS, body);
      expect(response.statusCode, response.body).toBe(200);
      return response.json() as unknown;
    };

    it('execute_all (the default) answers every evaluation in order, from the top-level defaults', async () => {
      const all = { evaluations: [{ decision: true }, { decision: false }, { decision: true }] };
      expect(await decisions(batch())).toEqual(all);
      expect(await decisions(batch('execute_all'))).toEqual(all);
    });

    it('deny_on_first_deny stops at the first false; permit_on_first_permit at the first true', async () => {
      expect(await decisions(batch('deny_on_first_deny'))).toEqual({ evaluations: [{ decision: true }, { decision: false }] });
      expect(await decisions(batch('permit_on_first_permit'))).toEqual({ evaluations: [{ decision: true }] });
      const deniedFirst = batch('permit_on_first_permit', { evaluations: [{ resource: invoice('2') }, { resource: invoice('3') }, { resource: invoice('1') }] });
      expect(await decisions(deniedFirst)).toEqual({ evaluations: [{ decision: false }, { decision: true }] });
    });

    it("an entry's own member replaces the default", async () => {
      const body = batch(undefined, { evaluations: [{ resource: invoice('1'), action: { name: 'delete' } }, { resource: invoice('1') }, { resource: invoice('1'), subject: { type: 'agent', id: 'agt_unknown' } }] });
      expect(await decisions(body)).toEqual({ evaluations: [{ decision: false }, { decision: true }, { decision: false }] });
    });

    it('without evaluations (or with none) it is one evaluation and answers one decision', async () => {
      const single = { subject: { type: 'agent', id: agentId }, action: { name: 'read' }, resource: invoice('1') };
      expect(await decisions(single)).toEqual({ decision: true });
      expect(await decisions({ ...single, evaluations: [] })).toEqual({ decision: true });
    });
  });

  it('writes decisions as one summary audit record per calling service, not one per decision', async () => {
    await h.t.server.deps.authzen.tally.flush();
    const before = await h.t.server.deps.store.queryAudit({ event: 'access_evaluation.summarized', agentId: h.pep.id }, { limit: 100 });
    await h.policies(`${ISSUANCE}@id("all-calls")\npermit (principal, action == Action::"call_api", resource);`);
    await decision(question({ type: 'agent', id: agentId }));
    await decision(question({ type: 'agent', id: 'agt_unknown' }));
    await h.ask(EVALUATIONS, { subject: { type: 'agent', id: agentId }, action: { name: 'read' }, evaluations: [{ resource: invoice('1') }, { resource: invoice('2') }] });
    await h.t.server.deps.authzen.tally.flush();
    const after = await h.t.server.deps.store.queryAudit({ event: 'access_evaluation.summarized', agentId: h.pep.id }, { limit: 100 });
    expect(after.items.length).toBe(before.items.length + 1);
    const newest = after.items.find((r) => !before.items.some((b) => b.seq === r.seq));
    const version = h.t.server.deps.policies.directory.current().version;
    expect(newest?.details).toMatchObject({ evaluations: 4, permitted: 3, denied: 0, unknown_subject: 1, errors: 0, policy_versions: [version] });
    expect(newest?.actor).toBe(`agent:${h.pep.id}`);
  });

  it('publishes the PDP metadata (AuthZEN 1.0 section 9) and advertises agentauth:authorize', async () => {
    const response = await h.t.server.app.inject({ method: 'GET', url: '/.well-known/authzen-configuration' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.json()).toEqual({
      policy_decision_point: ISSUER,
      access_evaluation_endpoint: `${ISSUER}/access/v1/evaluation`,
      access_evaluations_endpoint: `${ISSUER}/access/v1/evaluations`,
    });
    const as = await h.t.server.app.inject({ method: 'GET', url: '/.well-known/oauth-authorization-server' });
    expect((as.json() as { scopes_supported: string[] }).scopes_supported).toContain('agentauth:authorize');
  });
});
