import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openssl, P256 } from '../ca/ca-harness.js';
import { ASSERTION_TYPE, BOOTSTRAP_TOKEN, clientAssertion, createAgent, form, FORM, ISSUER, startTestServer, type TestAgent, type TestServer } from '../support/test-server.js';

const ADMIN = { authorization: `Bearer ${BOOTSTRAP_TOKEN}` };
const API = 'https://api.example.com';
const BOOTSTRAP_CTX = { actor: 'admin:bootstrap', sourceIp: '127.0.0.1', requestId: null };

/** Monday 2026-12-07 10:30 UTC, and the Saturday before it. */
const MONDAY_1030 = Date.UTC(2026, 11, 7, 10, 30);
const SATURDAY_1030 = Date.UTC(2026, 11, 5, 10, 30);

/**
 * Cedar policies at each decision point, through the doors a client uses: `/token` (every grant
 * decides there), the admin certificate route, and RFC 7591 registration. Policies come in
 * through the policy service, as the admin API applies them.
 */
describe('Cedar policies at each decision point', () => {
  let t: TestServer;
  let agent: TestAgent;
  let certAgent: TestAgent;
  let dir: string;

  beforeAll(async () => {
    t = await startTestServer('sqlite');
    agent = await createAgent(t.server, { labels: { team: 'payments' } });
    certAgent = await createAgent(t.server, { scopes: ['agentauth:cert'], resources: [], labels: { env: 'lab' } });
    dir = await mkdtemp(join(tmpdir(), 'agentauth-policy-'));
  });
  afterAll(async () => {
    await t?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const apply = (source: string, extra: { entities?: unknown[] } = {}) =>
    t.server.deps.policies.service.apply({ source, replace: true, ...(extra.entities === undefined ? {} : { entities: extra.entities as never }) }, BOOTSTRAP_CTX, null);
  const baseline = '@id("allow-list") permit (principal, action, resource);';
  const token = async (params: Record<string, string> = {}, remoteAddress = '127.0.0.1') =>
    t.server.app.inject({
      method: 'POST',
      url: '/token',
      headers: FORM,
      remoteAddress,
      payload: form({ grant_type: 'client_credentials', client_assertion_type: ASSERTION_TYPE, client_assertion: await clientAssertion(agent, t.clock.now()), ...params }),
    });
  const lastRecord = async (event: 'access_token.issued' | 'access_token.denied') => {
    const page = await t.server.deps.store.queryAudit({ agentId: agent.id, event }, { limit: 1000 });
    return page.items.at(-1)!;
  };

  it('without applied policies, the baseline permits what the allow-list grants, and the record says so', async () => {
    const response = await token({ scope: 'orders:read' });
    expect(response.statusCode).toBe(200);
    expect((await lastRecord('access_token.issued')).details.policy).toMatchObject({ version: 0, decided_by: ['allow-list'], input: { action: 'issue_token', scopes: ['orders:read'], binding: 'none' } });
  });

  it('a forbid refuses an explicitly requested scope with invalid_scope, naming the scope but not the policy', async () => {
    await apply(`${baseline}
@id("write-needs-dpop") @description("Write scopes only on DPoP-bound tokens")
forbid (principal, action, resource) when { context.scope like "*:write" && context.binding == "none" };`);
    const refused = await token({ scope: 'orders:read orders:write' });
    expect(refused.statusCode).toBe(400);
    expect(refused.json()).toEqual({ error: 'invalid_scope', error_description: "scope 'orders:write' is not granted by policy for resource 'https://api.example.com'" });
    expect(refused.body).not.toContain('write-needs-dpop');
    const denied = await lastRecord('access_token.denied');
    expect(denied.reason).toContain('forbidden by write-needs-dpop');
    expect(denied.details.policy).toMatchObject({ decided_by: expect.arrayContaining(['write-needs-dpop']), input: { scopes: ['orders:read', 'orders:write'], scopes_requested: true } });
  });

  it('narrows the default scopes instead (nothing was asked for by name), and records what it dropped', async () => {
    const response = await token();
    expect(response.statusCode).toBe(200);
    expect(response.json().scope).toBe('orders:read');
    expect((await lastRecord('access_token.issued')).details.policy).toMatchObject({ narrowed_scopes: ['orders:write'] });
  });

  it('business hours only: refused on Saturday, issued on Monday morning', async () => {
    await apply(`${baseline}
@id("business-hours") @refusal("access_denied")
forbid (principal, action == Action::"issue_token", resource)
unless { context.weekday <= 5 && context.hour >= 9 && context.hour < 17 };`);
    t.clock.set(SATURDAY_1030);
    const saturday = await token({ scope: 'orders:read' });
    expect(saturday.statusCode).toBe(400);
    expect(saturday.json().error).toBe('access_denied');
    t.clock.set(MONDAY_1030);
    expect((await token({ scope: 'orders:read' })).statusCode).toBe(200);
  });

  it('deny from outside a CIDR: the source address is tested with Cedar ip ranges', async () => {
    await apply(`${baseline}
@id("office-network")
forbid (principal, action, resource) unless { context.source_ip.isInRange(ip("10.0.0.0/8")) };`);
    expect((await token({ scope: 'orders:read' }, '10.20.30.40')).statusCode).toBe(200);
    const outside = await token({ scope: 'orders:read' }, '192.0.2.7');
    expect(outside.statusCode).toBe(400);
    expect(outside.json().error).toBe('invalid_scope');
    // A dual-stack listener reports IPv4 peers mapped into IPv6: still the same network.
    expect((await token({ scope: 'orders:read' }, '::ffff:10.1.1.1')).statusCode).toBe(200);
  });

  it('a permit with @max_ttl shortens tokens for sensitive resources; labels are tags', async () => {
    await apply(
      `@id("allow-list") permit (principal, action, resource);
@id("sensitive-short") @max_ttl("60")
permit (principal, action, resource) when { resource.sensitivity == "high" && principal.hasTag("team") && principal.getTag("team") == "payments" };`,
      { entities: [{ uid: { type: 'Resource', id: API }, attrs: { sensitivity: 'high' }, parents: [] }] },
    );
    const response = await token({ scope: 'orders:read' });
    expect(response.json().expires_in).toBe(60);
    expect((await lastRecord('access_token.issued')).details.policy).toMatchObject({ ttl_capped_from: 300, decided_by: expect.arrayContaining(['sensitive-short']) });
  });

  it('@require_binding refuses a bearer token request with invalid_request that says what is required', async () => {
    await apply(`@id("allow-list") @require_binding("dpop mtls") permit (principal, action, resource);`);
    const response = await token({ scope: 'orders:read' });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ error: 'invalid_request', error_description: 'policy requires a DPoP-bound (RFC 9449) or certificate-bound (RFC 8705) token for this request' });
  });

  it('@require_approval without an approval is refused with access_denied naming the approval flow', async () => {
    await apply(`${baseline}
@id("payments-approval") @require_approval
permit (principal, action, resource) when { context.scope == "orders:write" };`);
    expect((await token({ scope: 'orders:read' })).statusCode).toBe(200);
    const write = await token({ scope: 'orders:write' });
    expect(write.json()).toMatchObject({ error: 'access_denied' });
    expect(write.json().error_description).toContain('backchannel_authentication_endpoint');
  });

  it('fails closed when a policy cannot be evaluated: the request is refused and the error audited', async () => {
    // Valid for the schema, but the product overflows a 64-bit integer at evaluation time.
    await apply(`${baseline}
@id("overflows") forbid (principal, action, resource) when { context.requested_ttl * 9223372036854775807 > 0 };`);
    const response = await token({ scope: 'orders:read' });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toBe('access_denied');
    const denied = await lastRecord('access_token.denied');
    expect(denied.details.policy).toMatchObject({ errors: [expect.stringContaining('overflows')] });
  });

  it('without a permit that applies, Cedar denies (default deny once the baseline is removed)', async () => {
    await apply('@id("only-reads") permit (principal, action, resource) when { context.scope like "*:read" };');
    expect((await token({ scope: 'orders:read' })).statusCode).toBe(200);
    expect((await token({ scope: 'orders:write' })).json().error).toBe('invalid_scope');
  });

  it('decides certificates: a forbid on issue_certificate refuses the admin route, and the record names the policy', async () => {
    await apply(`${baseline}
@id("no-lab-certificates") forbid (principal, action == Action::"issue_certificate", resource) when { principal.hasTag("env") && principal.getTag("env") == "lab" && !context.renewal };`);
    openssl(['genpkey', ...P256, '-out', 'lab.key'], { cwd: dir });
    const csr = openssl(['req', '-new', '-key', 'lab.key', '-subj', '/CN=x'], { cwd: dir });
    const refused = await t.server.app.inject({ method: 'POST', url: `/admin/v1/agents/${certAgent.id}/certificates`, headers: ADMIN, payload: { csr } });
    expect(refused.statusCode).toBe(409);
    expect(refused.body).not.toContain('no-lab-certificates');
    const denied = await t.server.deps.store.queryAudit({ agentId: certAgent.id, event: 'certificate.denied' }, { limit: 10 });
    expect(denied.items.at(-1)?.details.policy).toMatchObject({ decided_by: ['no-lab-certificates'] });

    await apply(`${baseline}
@id("short-certificates") @max_ttl("600") permit (principal, action == Action::"issue_certificate", resource);`);
    const issued = await t.server.app.inject({ method: 'POST', url: `/admin/v1/agents/${certAgent.id}/certificates`, headers: ADMIN, payload: { csr } });
    expect(issued.statusCode).toBe(201);
    expect(Date.parse(issued.json().expires_at) - t.clock.now()).toBe(600_000);
  });

  it('decides registrations: RFC 7591 registration of a privileged agent is refused with invalid_client_metadata', async () => {
    await apply(`${baseline}
@id("no-privileged-self-registration")
forbid (principal, action == Action::"register_agent", resource) when { context.grant_type == "registration" && principal.scopes.contains("agentauth:admin") };`);
    const register = (scope: string, resources: string[] = []) =>
      t.server.app.inject({ method: 'POST', url: '/register', headers: ADMIN, payload: { client_name: 'x', owner: 'team', token_endpoint_auth_method: 'client_secret_basic', scope, resources, grant_types: ['client_credentials'] } });
    const refused = await register('agentauth:admin');
    expect(refused.statusCode).toBe(400);
    expect(refused.json()).toEqual({ error: 'invalid_client_metadata', error_description: 'a policy does not allow registering this agent' });
    const denied = await t.server.deps.store.queryAudit({ event: 'client_registration.denied' }, { limit: 10 });
    expect(denied.items.at(-1)?.reason).toContain('no-privileged-self-registration');
    const allowed = await register('orders:read', [API]);
    expect(allowed.statusCode, allowed.body).toBe(201);
    // Registering first and widening after is decided the same way.
    const widened = await t.server.app.inject({ method: 'PATCH', url: `/admin/v1/agents/${allowed.json().client_id}`, headers: ADMIN, payload: { scopes: ['agentauth:admin'], resources: [] } });
    expect(widened.statusCode).toBe(200);
    await apply(`${baseline}
@id("no-privileged-agents") forbid (principal, action == Action::"register_agent", resource) when { principal.scopes.contains("agentauth:admin") };`);
    const again = await t.server.app.inject({ method: 'PATCH', url: `/admin/v1/agents/${allowed.json().client_id}`, headers: ADMIN, payload: { description: 'still privileged' } });
    expect(again.statusCode).toBe(403);
    expect(again.json()).toMatchObject({ code: 'forbidden', detail: 'a policy does not allow this change of the agent' });
  });

  it('refuses policies that do not parse or validate, with Cedar message and line, and keeps the set in force', async () => {
    const before = t.server.deps.policies.service.current().version;
    await expect(apply(`${baseline}\n\n@id("typo")\nforbid (principal, action, resource) when { context.sourceip == "x" };`)).rejects.toMatchObject({
      code: 'policy_invalid',
      // Said once (not once per action), at its line in the source sent.
      problems: [expect.objectContaining({ policyId: 'typo', line: 4, message: expect.stringContaining('sourceip') })],
    });
    await expect(apply(`${baseline}\nforbid (principal, action, resource) when { principal.owner == };`)).rejects.toMatchObject({
      code: 'policy_invalid',
      problems: [expect.objectContaining({ line: 2 })],
    });
    await expect(apply(`@id("x") @max_tll("60") ${baseline.slice(18)}`)).rejects.toMatchObject({ code: 'policy_invalid', problems: [expect.objectContaining({ message: expect.stringContaining('unknown annotation @max_tll') })] });
    expect(t.server.deps.policies.service.current().version).toBe(before);
  });

  it('refuses a set that would lock the admin API out, and audits each applied change with its diff', async () => {
    await apply(baseline);
    await createAgent(t.server, { scopes: ['agentauth:admin'], resources: [] });
    await expect(apply(`${baseline}\n@id("no-admin") forbid (principal, action, resource) when { context.scope == "agentauth:admin" };`)).rejects.toMatchObject({ code: 'policy_lockout' });
    const applied = await apply(`${baseline}\n@id("harmless") forbid (principal, action, resource) when { context.scope == "nothing" };`);
    const record = (await t.server.deps.store.queryAudit({ event: 'policy_set.applied' }, { limit: 100 })).items.at(-1)!;
    expect(record).toMatchObject({ actor: 'admin:bootstrap', details: { version: applied.version, previous_version: applied.version - 1, added: ['harmless'] } });
  });

  it('the issuer is the resource of requests for the server itself', async () => {
    const admin = await createAgent(t.server, { scopes: ['agentauth:introspect'], resources: [] });
    await apply(`${baseline}\n@id("no-introspection") forbid (principal, action, resource == Resource::"${ISSUER}") when { context.scope == "agentauth:introspect" };`);
    const response = await t.server.app.inject({
      method: 'POST',
      url: '/token',
      headers: FORM,
      payload: form({ grant_type: 'client_credentials', resource: ISSUER, client_assertion_type: ASSERTION_TYPE, client_assertion: await clientAssertion(admin, t.clock.now()) }),
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toBe('invalid_scope');
  });
});
