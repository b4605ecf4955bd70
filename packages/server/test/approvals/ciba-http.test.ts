import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GRANT_CIBA } from '@agentauth/protocol';
import { MAX_PENDING_PER_AGENT } from '../../src/approvals/backchannel-authentication.js';
import { BACKENDS, BOOTSTRAP_TOKEN, type TestAgent, type TestServer } from '../support/test-server.js';
import { auditOf } from '../people/people-harness.js';
import { answer, approvalIdOn, approvalsPage, backchannel, claimsOf, createCibaAgent, createPersonIn, redeem, RESOURCE, signInApprover, startApprovalServer, token, type Approver } from './approval-harness.js';

const PAYMENT = (amount: number) => JSON.stringify([{ type: 'payment_initiation', amount, currency: 'EUR', creditor: 'ACME', locations: [RESOURCE] }]);

describe.each(BACKENDS)('CIBA approvals over HTTP (poll mode, %s)', (backend) => {
  let t: TestServer;
  let agent: TestAgent;
  let alice: Approver;

  beforeAll(async () => {
    // Finance's members may approve for any agent; Mallory is nobody's approver.
    t = await startApprovalServer(backend, { AGENTAUTH_APPROVAL_APPROVER_GROUPS: 'finance' });
    await createPersonIn(t, 'alice@example.com', []);
    await createPersonIn(t, 'carol@example.com', ['auditor'], ['finance']);
    await createPersonIn(t, 'mallory@example.com', [], ['sales']);
    agent = await createCibaAgent(t, 'alice@example.com');
    alice = await signInApprover(t, 'alice@example.com');
  });
  afterAll(async () => t.close());

  it('advertises the CIBA endpoint, delivery modes, grant and detail types (RFC 8414, CIBA Core 4, RFC 9396 10)', async () => {
    const metadata = (await t.server.app.inject({ method: 'GET', url: '/.well-known/oauth-authorization-server' })).json() as Record<string, unknown>;
    expect(metadata['backchannel_authentication_endpoint']).toBe('http://127.0.0.1:8080/bc-authorize');
    expect(metadata['backchannel_token_delivery_modes_supported']).toEqual(['poll', 'ping']);
    expect(metadata['backchannel_user_code_parameter_supported']).toBe(false);
    expect(metadata['grant_types_supported']).toContain(GRANT_CIBA);
    expect(metadata['authorization_details_types_supported']).toEqual(['payment_initiation', 'account_closure']);
  });

  it('asks, polls (pending, slow_down), is approved on the page, and redeems once for a short, single-resource token', async () => {
    const asked = await backchannel(t, agent, { scope: 'openid orders:write', binding_message: 'Order 4711' });
    expect(asked.statusCode).toBe(200);
    const body = asked.json() as { auth_req_id: string; expires_in: number; interval: number };
    expect(body.auth_req_id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(body).toMatchObject({ expires_in: 300, interval: 5 });
    expect(asked.headers['cache-control']).toBe('no-store');

    expect((await redeem(t, agent, body.auth_req_id)).json()).toMatchObject({ error: 'authorization_pending' });
    expect((await redeem(t, agent, body.auth_req_id)).json()).toMatchObject({ error: 'slow_down' });
    t.clock.advance(5_000);
    expect((await redeem(t, agent, body.auth_req_id)).json()).toMatchObject({ error: 'authorization_pending' });

    const page = await approvalsPage(t, alice);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Order 4711');
    expect(page.body).toContain('orders:write');
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    expect(await answer(t, alice, 'approve')).toBe('/account/approvals?said=approved');

    const issued = await redeem(t, agent, body.auth_req_id);
    expect(issued.statusCode).toBe(200);
    const claims = claimsOf(issued);
    expect(claims).toMatchObject({ sub: agent.id, aud: RESOURCE, scope: 'orders:write' });
    expect((claims['exp'] as number) - (claims['iat'] as number)).toBe(60);
    expect(typeof claims['jti']).toBe('string');

    const again = await redeem(t, agent, body.auth_req_id);
    expect(again.json()).toMatchObject({ error: 'invalid_grant' });
    const events = (await auditOf(t)).map((r) => r.event);
    expect(events).toEqual(expect.arrayContaining(['approval.requested', 'approval.approved', 'access_token.issued']));
    const approved = (await auditOf(t)).find((r) => r.event === 'approval.approved');
    expect(approved?.actor).toMatch(/^user:usr_/);
    expect(approved?.details['approver_email']).toBe('alice@example.com');
  });

  it('binds exactly the approved authorization_details into the token', async () => {
    const asked = await backchannel(t, agent, { authorization_details: PAYMENT(2500), binding_message: 'Pay ACME 2500 EUR' });
    expect(asked.statusCode).toBe(200);
    const { auth_req_id: id } = asked.json() as { auth_req_id: string };
    const page = await approvalsPage(t, alice);
    expect(page.body).toContain('payment_initiation');
    expect(page.body).toContain('2500');
    expect(await answer(t, alice, 'approve')).toBe('/account/approvals?said=approved');
    const issued = await redeem(t, agent, id);
    expect(issued.statusCode).toBe(200);
    expect((issued.json() as Record<string, unknown>)['authorization_details']).toEqual(JSON.parse(PAYMENT(2500)));
    expect(claimsOf(issued)['authorization_details']).toEqual(JSON.parse(PAYMENT(2500)));
    expect(claimsOf(issued)['scope']).toBeUndefined();
  });

  it('a denial with a reason yields access_denied carrying the reason', async () => {
    const { auth_req_id: id } = (await backchannel(t, agent, { scope: 'orders:write' })).json() as { auth_req_id: string };
    expect(await answer(t, alice, 'deny', { reason: 'not this week' })).toBe('/account/approvals?said=denied');
    const refused = await redeem(t, agent, id);
    expect(refused.statusCode).toBe(400);
    expect(refused.json()).toMatchObject({ error: 'access_denied', error_description: 'the person denied the request: not this week' });
    const denied = (await auditOf(t)).find((r) => r.event === 'approval.denied');
    expect(denied?.reason).toBe('not this week');
  });

  it('expires unanswered requests (fail closed): expired_token, and an answer after expiry is refused', async () => {
    const { auth_req_id: id, expires_in: expiresIn } = (await backchannel(t, agent, { scope: 'orders:write', requested_expiry: '30' })).json() as { auth_req_id: string; expires_in: number };
    expect(expiresIn).toBe(30);
    const page = await approvalsPage(t, alice);
    const approvalId = approvalIdOn(page.body);
    t.clock.advance(30_000);
    expect(await answer(t, alice, 'approve', { id: approvalId })).toBe('/account/approvals?said=expired');
    expect((await redeem(t, agent, id)).json()).toMatchObject({ error: 'expired_token' });
    const records = await auditOf(t);
    expect(records.some((r) => r.event === 'approval.expired' && r.details['approval_id'] === approvalId)).toBe(true);
    expect(records.some((r) => r.event === 'approval.refused' && r.reason?.startsWith('expired') === true && r.actor?.startsWith('user:') === true)).toBe(true);
  });

  it('keeps the allow-list the upper bound: a scope taken from the agent after the approval is invalid_scope', async () => {
    const narrowed = await createCibaAgent(t, 'alice@example.com');
    const { auth_req_id: id } = (await backchannel(t, narrowed, { scope: 'orders:write', binding_message: 'narrowed' })).json() as { auth_req_id: string };
    const item = (await approvalsPage(t, alice)).body.split('<li class="approval"').find((li) => li.includes('narrowed')) ?? '';
    expect(await answer(t, alice, 'approve', { id: approvalIdOn(item) })).toBe('/account/approvals?said=approved');
    // The agent service tells this process's client directory at once.
    const patched = await t.server.app.inject({ method: 'PATCH', url: `/admin/v1/agents/${narrowed.id}`, headers: { authorization: `Bearer ${BOOTSTRAP_TOKEN}` }, payload: { scopes: ['orders:read'] } });
    expect(patched.statusCode).toBe(200);
    expect((await redeem(t, narrowed, id)).json()).toMatchObject({ error: 'invalid_scope' });
  });

  it('refuses a replayed answer: the first one stands', async () => {
    const { auth_req_id: id } = (await backchannel(t, agent, { scope: 'orders:write' })).json() as { auth_req_id: string };
    const approvalId = approvalIdOn((await approvalsPage(t, alice)).body);
    expect(await answer(t, alice, 'deny', { id: approvalId })).toBe('/account/approvals?said=denied');
    expect(await answer(t, alice, 'approve', { id: approvalId })).toBe('/account/approvals?said=answered');
    expect((await redeem(t, agent, id)).json()).toMatchObject({ error: 'access_denied' });
  });

  it('lets nobody else answer: an unknown id and a stranger both get not_found, an auditor-only person cannot act', async () => {
    await backchannel(t, agent, { scope: 'orders:write', login_hint: 'carol@example.com' });
    const carol = await signInApprover(t, 'carol@example.com');
    expect((await approvalsPage(t, carol)).body).toContain('orders:write');
    expect(await answer(t, carol, 'approve')).toBe('/account/approvals?said=role');
    expect(await answer(t, alice, 'approve', { id: approvalIdOn((await approvalsPage(t, carol)).body) })).toBe('/account/approvals?said=not_found');
  });

  it('refuses an answer without the CSRF token, and sends people who are not signed in to the login page', async () => {
    const forged = await t.server.app.inject({ method: 'POST', url: '/account/approvals/answer', headers: { cookie: alice.cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: 'id=apr_x&answer=approve' });
    expect(forged.statusCode).toBe(403);
    const anonymous = await t.server.app.inject({ method: 'GET', url: '/account/approvals' });
    expect(anonymous.statusCode).toBe(303);
    expect(anonymous.headers.location).toBe('/login?return_to=%2Faccount%2Fapprovals');
  });

  describe('refusals of the backchannel request, each with its error, audited, creating nothing', () => {
    const cases: [string, Record<string, string>, string][] = [
      ['an unknown user', { scope: 'orders:write', login_hint: 'nobody@example.com' }, 'unknown_user_id'],
      // The agent may not pick an accomplice: the same answer as for nobody at all.
      ['a person neither owner, nor in the owner group, nor an approver', { scope: 'orders:write', login_hint: 'mallory@example.com' }, 'unknown_user_id'],
      ['an unknown detail type', { authorization_details: JSON.stringify([{ type: 'teleport', to: 'mars' }]) }, 'invalid_authorization_details'],
      ['details that fail their schema', { authorization_details: JSON.stringify([{ type: 'payment_initiation', amount: 'lots', currency: 'EUR' }]) }, 'invalid_authorization_details'],
      ['a detail missing a required field', { authorization_details: JSON.stringify([{ type: 'payment_initiation', amount: 5 }]) }, 'invalid_authorization_details'],
      ['a field the type does not declare', { authorization_details: JSON.stringify([{ type: 'account_closure', account: 'a', extra: 1 }]) }, 'invalid_authorization_details'],
      ['a location other than the resource', { authorization_details: JSON.stringify([{ type: 'account_closure', account: 'a', locations: ['https://evil.example'] }]) }, 'invalid_authorization_details'],
      ['details that are not JSON', { authorization_details: '[{' }, 'invalid_authorization_details'],
      // A right-to-left override would show the approver another creditor than the token carries.
      ['a detail string with a bidi override', { authorization_details: JSON.stringify([{ type: 'payment_initiation', amount: 5, currency: 'EUR', creditor: 'AC\u202EEM' }]) }, 'invalid_authorization_details'],
      ['a binding message too long', { scope: 'orders:write', binding_message: 'x'.repeat(101) }, 'invalid_binding_message'],
      ['nothing to approve', { scope: 'openid' }, 'invalid_request'],
      ['a requested_expiry above the limit', { scope: 'orders:write', requested_expiry: '301' }, 'invalid_request'],
      ['an id_token_hint', { scope: 'orders:write', id_token_hint: 'x' }, 'invalid_request'],
      ['a scope outside the allow-list', { scope: 'payments:admin' }, 'invalid_scope'],
      ['a resource outside the allow-list', { scope: 'orders:write', resource: 'https://other.example.com' }, 'invalid_target'],
    ];
    for (const [name, params, error] of cases) {
      it(`${name}: ${error}`, async () => {
        const before = (await auditOf(t)).filter((r) => r.event === 'approval.requested').length;
        const response = await backchannel(t, agent, params);
        expect(response.statusCode).toBe(400);
        expect(response.json()).toMatchObject({ error });
        const records = await auditOf(t);
        expect(records.at(-1)).toMatchObject({ event: 'approval.refused', agentId: agent.id });
        expect(records.filter((r) => r.event === 'approval.requested').length).toBe(before);
      });
    }

    it('an agent not registered for the CIBA grant: unauthorized_client', async () => {
      const plain = await createCibaAgent(t, 'alice@example.com', { grant_types: ['client_credentials'] });
      expect((await backchannel(t, plain, { scope: 'orders:write' })).json()).toMatchObject({ error: 'unauthorized_client' });
    });

    it(`an agent with ${MAX_PENDING_PER_AGENT} requests waiting: access_denied, until one is answered`, async () => {
      // Its own owner, so the requests left waiting do not crowd Alice's page for the other tests.
      await createPersonIn(t, 'olga@example.com', []);
      const olga = await signInApprover(t, 'olga@example.com');
      const eager = await createCibaAgent(t, 'olga@example.com');
      for (let n = 0; n < MAX_PENDING_PER_AGENT; n++) expect((await backchannel(t, eager, { scope: 'orders:write', binding_message: `eager ${n}` })).statusCode).toBe(200);
      const refused = await backchannel(t, eager, { scope: 'orders:write', binding_message: 'one too many' });
      expect(refused.json()).toMatchObject({ error: 'access_denied' });
      expect((await auditOf(t)).at(-1)).toMatchObject({ event: 'approval.refused', agentId: eager.id });
      const item = (await approvalsPage(t, olga)).body.split('<li class="approval"').find((li) => li.includes('eager 0')) ?? '';
      expect(await answer(t, olga, 'deny', { id: approvalIdOn(item) })).toBe('/account/approvals?said=denied');
      expect((await backchannel(t, eager, { scope: 'orders:write' })).statusCode).toBe(200);
    });

    it('an agent whose owner names nobody: unknown_user_id', async () => {
      const orphan = await createCibaAgent(t, 'team-nobody');
      expect((await backchannel(t, orphan, { scope: 'orders:write' })).json()).toMatchObject({ error: 'unknown_user_id' });
    });

    it('a failed client authentication: invalid_client', async () => {
      const response = await t.server.app.inject({ method: 'POST', url: '/bc-authorize', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: `client_id=${agent.id}&scope=orders%3Awrite` });
      expect(response.statusCode).toBe(401);
      expect(response.json()).toMatchObject({ error: 'invalid_client' });
    });
  });

  describe('what needs approval is never issued without one', () => {
    it('client_credentials naming an approval scope: invalid_scope naming the approval flow; the default leaves it out', async () => {
      const refused = await token(t, agent, { grant_type: 'client_credentials', scope: 'orders:write' });
      expect(refused.json()).toMatchObject({ error: 'invalid_scope' });
      expect((refused.json() as { error_description: string }).error_description).toContain('backchannel_authentication_endpoint');
      const defaulted = await token(t, agent, { grant_type: 'client_credentials' });
      expect(claimsOf(defaulted)['scope']).toBe('orders:read');
    });

    it('authorization_details below the threshold are issued at once; above it they are refused naming the flow', async () => {
      const small = await token(t, agent, { grant_type: 'client_credentials', scope: 'orders:read', authorization_details: PAYMENT(50) });
      expect(small.statusCode).toBe(200);
      expect(claimsOf(small)['authorization_details']).toEqual(JSON.parse(PAYMENT(50)));
      const large = await token(t, agent, { grant_type: 'client_credentials', scope: 'orders:read', authorization_details: PAYMENT(500) });
      expect(large.json()).toMatchObject({ error: 'invalid_authorization_details' });
      expect((large.json() as { error_description: string }).error_description).toContain('amount above 100');
    });

    it('an approved token cannot be exchanged (RFC 8693) into one that keeps the approval scope without the approval', async () => {
      const exchanger = await createCibaAgent(t, 'alice@example.com', { grant_types: ['client_credentials', GRANT_CIBA, 'urn:ietf:params:oauth:grant-type:token-exchange'] });
      const { auth_req_id: id } = (await backchannel(t, exchanger, { scope: 'orders:write' })).json() as { auth_req_id: string };
      expect(await answer(t, alice, 'approve')).toBe('/account/approvals?said=approved');
      const approved = (await redeem(t, exchanger, id)).json() as { access_token: string };
      const exchange = { grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange', subject_token: approved.access_token, subject_token_type: 'urn:ietf:params:oauth:token-type:access_token' };
      const refused = await token(t, exchanger, { ...exchange, scope: 'orders:write' });
      expect(refused.json()).toMatchObject({ error: 'invalid_scope' });
      const details = await token(t, exchanger, { ...exchange, authorization_details: PAYMENT(5) });
      expect(details.json()).toMatchObject({ error: 'invalid_request' });
    });

    it('the CIBA grant refuses parameters the approval decides, an unknown auth_req_id and another client\'s', async () => {
      expect((await token(t, agent, { grant_type: GRANT_CIBA, auth_req_id: 'x', scope: 'orders:read' })).json()).toMatchObject({ error: 'invalid_request' });
      expect((await redeem(t, agent, 'A'.repeat(43))).json()).toMatchObject({ error: 'invalid_grant' });
      const { auth_req_id: id } = (await backchannel(t, agent, { scope: 'orders:write' })).json() as { auth_req_id: string };
      const other = await createCibaAgent(t, 'alice@example.com');
      expect((await redeem(t, other, id)).json()).toMatchObject({ error: 'invalid_grant' });
    });
  });
});

describe('CIBA approvals: who approves', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startApprovalServer('sqlite', { AGENTAUTH_APPROVAL_SEPARATION_OF_DUTIES: 'true', AGENTAUTH_APPROVAL_APPROVER_GROUPS: 'finance' });
    await createPersonIn(t, 'dave@example.com', ['operator'], ['finance']);
    await createPersonIn(t, 'erin@example.com', [], ['finance']);
  });
  afterAll(async () => t.close());

  it('under separation of duties the owner may not be the approver: access_denied, audited', async () => {
    const agent = await createCibaAgent(t, 'dave@example.com');
    const refused = await backchannel(t, agent, { scope: 'orders:write' });
    expect(refused.json()).toMatchObject({ error: 'access_denied' });
    expect((await auditOf(t)).at(-1)).toMatchObject({ event: 'approval.refused' });
    const named = await backchannel(t, agent, { scope: 'orders:write', login_hint: 'erin@example.com' });
    expect(named.statusCode).toBe(200);
  });

  it('an owner group:<name> delegates to every member of the group, who sees and approves it', async () => {
    const agent = await createCibaAgent(t, 'group:finance');
    const { auth_req_id: id } = (await backchannel(t, agent, { scope: 'orders:write', binding_message: 'group' })).json() as { auth_req_id: string };
    const erin = await signInApprover(t, 'erin@example.com');
    const page = await approvalsPage(t, erin);
    expect(page.body).toContain('sent to group <code>finance</code>');
    expect(await answer(t, erin, 'approve', { id: approvalIdOn(page.body.slice(page.body.indexOf('group</strong>') - 2000)) })).toMatch(/said=approved/);
    expect((await redeem(t, agent, id)).statusCode).toBe(200);
  });

  it('a person who is not the named approver can neither see nor answer the request', async () => {
    const daveId = (await t.server.deps.store.getUserByEmail('dave@example.com'))?.id as string;
    const agent = await createCibaAgent(t, daveId, {});
    await backchannel(t, agent, { scope: 'orders:write', login_hint: 'erin@example.com' });
    // Dave is not the approver: he cannot see or answer Erin's request.
    const dave = await signInApprover(t, 'dave@example.com');
    const erinPage = await approvalsPage(t, await signInApprover(t, 'erin@example.com'));
    expect(await answer(t, dave, 'approve', { id: approvalIdOn(erinPage.body) })).toMatch(/said=(not_found|separation_of_duties)/);
  });
});
