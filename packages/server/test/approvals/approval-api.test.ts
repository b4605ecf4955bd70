import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditOf, csrfOf, signIn } from '../people/people-harness.js';
import type { TestAgent, TestServer } from '../support/test-server.js';
import { backchannel, createCibaAgent, createPersonIn, redeem, startApprovalServer } from './approval-harness.js';

/**
 * The approval inbox as JSON (`/account/api/approvals`), as the console calls it: the session
 * cookie, the CSRF token in `X-CSRF-Token`, and the same service and audit records as the page.
 */
describe('the approval inbox API', () => {
  let t: TestServer;
  let agent: TestAgent;
  let alice: { cookie: string; csrf: string; id: string };
  let mallory: { cookie: string; csrf: string };

  const session = async (email: string) => {
    const id = await signIn(t, email);
    return { cookie: `__Host-agentauth-session=${id}`, csrf: await csrfOf(t, id) };
  };
  const inbox = async (who: { cookie: string }) => {
    const response = await t.server.app.inject({ method: 'GET', url: '/account/api/approvals', headers: { cookie: who.cookie } });
    return { status: response.statusCode, body: response.json() as { pending: Record<string, unknown>[]; history: Record<string, unknown>[] } };
  };
  const answer = async (who: { cookie: string; csrf?: string }, id: string, body: unknown) => {
    const response = await t.server.app.inject({
      method: 'POST',
      url: `/account/api/approvals/${id}/answer`,
      headers: { cookie: who.cookie, 'content-type': 'application/json', ...(who.csrf === undefined ? {} : { 'x-csrf-token': who.csrf }) },
      payload: JSON.stringify(body),
    });
    return { status: response.statusCode, body: response.json() as Record<string, unknown> };
  };
  const ask = async (message: string) => {
    const asked = await backchannel(t, agent, { scope: 'orders:write', binding_message: message });
    expect(asked.statusCode).toBe(200);
    return (asked.json() as { auth_req_id: string }).auth_req_id;
  };

  beforeAll(async () => {
    t = await startApprovalServer('sqlite');
    const aliceId = await createPersonIn(t, 'alice@example.com', ['operator']);
    await createPersonIn(t, 'mallory@example.com', ['operator']);
    agent = await createCibaAgent(t, 'alice@example.com');
    alice = { ...(await session('alice@example.com')), id: aliceId };
    mallory = await session('mallory@example.com');
  });
  afterAll(async () => t.close());

  it('lists what waits for the person, answers with a reason, then shows it in the history with the same audit record as the page', async () => {
    const authReqId = await ask('Order 1');
    const before = await inbox(alice);
    expect(before.status).toBe(200);
    expect(before.body.pending).toHaveLength(1);
    const pending = before.body.pending[0] ?? {};
    expect(pending).toMatchObject({ status: 'pending', binding_message: 'Order 1', scopes: ['orders:write'], agent: { id: agent.id, owner: 'alice@example.com' } });
    expect(JSON.stringify(before.body)).not.toContain(authReqId);

    const answered = await answer(alice, String(pending['id']), { decision: 'approve', reason: 'expected order' });
    expect(answered.status).toBe(200);
    expect(answered.body).toMatchObject({ id: pending['id'], status: 'approved', decided_by: alice.id, reason: 'expected order' });
    const after = await inbox(alice);
    expect(after.body.pending).toEqual([]);
    expect(after.body.history[0]).toMatchObject({ id: pending['id'], status: 'approved', reason: 'expected order' });
    const record = (await auditOf(t)).find((r) => r.event === 'approval.approved' && r.details['approval_id'] === pending['id']);
    expect(record).toMatchObject({ actor: `user:${alice.id}`, reason: 'expected order', details: { approver_email: 'alice@example.com' } });
    expect((await redeem(t, agent, authReqId)).statusCode).toBe(200);
  });

  it('refuses an answer without the CSRF token (403, audited), to someone else\'s approval (404), and a second answer (409)', async () => {
    await ask('Order 2');
    const id = String((await inbox(alice)).body.pending[0]?.['id']);
    const noCsrf = await answer({ cookie: alice.cookie }, id, { decision: 'approve' });
    expect(noCsrf.status).toBe(403);
    const wrongCsrf = await answer({ cookie: alice.cookie, csrf: mallory.csrf }, id, { decision: 'approve' });
    expect(wrongCsrf.status).toBe(403);
    expect((await auditOf(t)).some((r) => r.event === 'authorization.denied' && r.reason?.includes(`/account/api/approvals/${id}/answer`) === true)).toBe(true);
    expect((await inbox(mallory)).body.pending).toEqual([]);
    expect((await answer(mallory, id, { decision: 'approve' })).status).toBe(404);
    expect((await answer(alice, 'apr_nothing', { decision: 'approve' })).status).toBe(404);
    expect((await answer(alice, id, { decision: 'maybe' })).status).toBe(400);
    expect((await inbox(alice)).body.pending).toHaveLength(1);

    expect((await answer(alice, id, { decision: 'deny', reason: 'not this one' })).status).toBe(200);
    const again = await answer(alice, id, { decision: 'approve' });
    expect(again).toMatchObject({ status: 409, body: { code: 'answered' } });
    expect((await inbox(alice)).body.history.find((a) => a['id'] === id)).toMatchObject({ status: 'denied', reason: 'not this one' });
  });

  it('answers 401 to a caller with no session', async () => {
    expect((await inbox({ cookie: '' })).status).toBe(401);
    expect((await t.server.app.inject({ method: 'GET', url: '/account/api/approvals', headers: { cookie: '__Host-agentauth-session=nope' } })).statusCode).toBe(401);
  });
});
