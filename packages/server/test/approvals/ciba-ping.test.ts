import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, auditOf } from '../people/people-harness.js';
import type { TestAgent, TestServer } from '../support/test-server.js';
import { answer, backchannel, claimsOf, createCibaAgent, createPersonIn, redeem, signInApprover, startApprovalServer, token, type Approver } from './approval-harness.js';

const BOOTSTRAP_CTX = { actor: 'admin:bootstrap', sourceIp: '127.0.0.1', requestId: null };
const NOTIFICATION_TOKEN = 'client-notification-token-0123456789';

/** A ping receiver on loopback: what it was sent. */
async function receiver(): Promise<{ url: string; received: { authorization: string | undefined; body: string }[]; close(): Promise<void> }> {
  const received: { authorization: string | undefined; body: string }[] = [];
  const server = createServer((request: IncomingMessage, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      received.push({ authorization: request.headers.authorization, body });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/ciba/callback`, received, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('CIBA ping mode', () => {
  let t: TestServer;
  let agent: TestAgent;
  let alice: Approver;
  let rx: Awaited<ReturnType<typeof receiver>>;

  beforeAll(async () => {
    rx = await receiver();
    t = await startApprovalServer('sqlite', { AGENTAUTH_APPROVAL_ALLOW_PRIVATE_CALLBACKS: 'true' });
    await createPersonIn(t, 'alice@example.com', []);
    agent = await createCibaAgent(t, 'alice@example.com', { backchannel_token_delivery_mode: 'ping', backchannel_client_notification_endpoint: rx.url });
    alice = await signInApprover(t, 'alice@example.com');
  });
  afterAll(async () => {
    await t.close();
    await rx.close();
  });

  it('registers the delivery mode and endpoint as client metadata, and checks them', async () => {
    const shown = await t.server.app.inject({ method: 'GET', url: `/admin/v1/agents/${agent.id}`, headers: ADMIN });
    expect(shown.json()).toMatchObject({ backchannel_token_delivery_mode: 'ping', backchannel_client_notification_endpoint: rx.url });
    const noEndpoint = await t.server.app.inject({ method: 'POST', url: '/admin/v1/agents', headers: ADMIN, payload: { name: 'x', owner: 'alice@example.com', backchannel_token_delivery_mode: 'ping' } });
    expect(noEndpoint.statusCode).toBe(400);
    expect(noEndpoint.body).toContain('backchannel_client_notification_endpoint is required');
    const plainHttp = await t.server.app.inject({ method: 'POST', url: '/admin/v1/agents', headers: ADMIN, payload: { name: 'x', owner: 'alice@example.com', backchannel_token_delivery_mode: 'ping', backchannel_client_notification_endpoint: 'http://example.com/cb' } });
    expect(plainHttp.statusCode).toBe(400);
    const push = await t.server.app.inject({ method: 'POST', url: '/admin/v1/agents', headers: ADMIN, payload: { name: 'x', owner: 'alice@example.com', backchannel_token_delivery_mode: 'push' } });
    expect(push.statusCode).toBe(400);
  });

  it('needs a client_notification_token of at least 128 bits', async () => {
    expect((await backchannel(t, agent, { scope: 'orders:write' })).json()).toMatchObject({ error: 'invalid_request' });
    expect((await backchannel(t, agent, { scope: 'orders:write', client_notification_token: 'short' })).json()).toMatchObject({ error: 'invalid_request' });
  });

  it('pings the registered endpoint with the bearer token and auth_req_id once answered; the agent then redeems', async () => {
    const { auth_req_id: id } = (await backchannel(t, agent, { scope: 'orders:write', client_notification_token: NOTIFICATION_TOKEN })).json() as { auth_req_id: string };
    expect(await answer(t, alice, 'approve')).toBe('/account/approvals?said=approved');
    await t.server.approvals.delivery.idle();
    expect(rx.received).toEqual([{ authorization: `Bearer ${NOTIFICATION_TOKEN}`, body: JSON.stringify({ auth_req_id: id }) }]);
    const issued = await redeem(t, agent, id);
    expect(issued.statusCode).toBe(200);
    expect(claimsOf(issued)['scope']).toBe('orders:write');
    const notified = (await auditOf(t)).find((r) => r.event === 'approval.notified');
    expect(notified?.details).toMatchObject({ channel: 'ping', attempts: 1 });
    // The notification token and the auth_req_id are secrets: no record holds them.
    expect(JSON.stringify(await auditOf(t))).not.toContain(NOTIFICATION_TOKEN);
    expect(JSON.stringify(await auditOf(t))).not.toContain(id);
  });

  it('pings a denial too; the agent learns access_denied', async () => {
    rx.received.length = 0;
    const { auth_req_id: id } = (await backchannel(t, agent, { scope: 'orders:write', client_notification_token: NOTIFICATION_TOKEN })).json() as { auth_req_id: string };
    expect(await answer(t, alice, 'deny', { reason: 'too risky' })).toBe('/account/approvals?said=denied');
    await t.server.approvals.delivery.idle();
    expect(rx.received).toHaveLength(1);
    expect((await redeem(t, agent, id)).json()).toMatchObject({ error: 'access_denied', error_description: 'the person denied the request: too risky' });
  });

  it('a @require_approval policy is met by the approval, and still refuses the same scope without one', async () => {
    await t.server.deps.policies.service.apply(
      { source: '@id("allow-list") permit (principal, action, resource);\n@id("orders-approval") @require_approval permit (principal, action, resource) when { context.scope == "orders:read" };', replace: true },
      BOOTSTRAP_CTX,
      null,
    );
    const { auth_req_id: id } = (await backchannel(t, agent, { scope: 'orders:read', client_notification_token: NOTIFICATION_TOKEN })).json() as { auth_req_id: string };
    expect(await answer(t, alice, 'approve')).toBe('/account/approvals?said=approved');
    expect((await redeem(t, agent, id)).statusCode).toBe(200);
    const without = await token(t, agent, { grant_type: 'client_credentials', scope: 'orders:read' });
    expect(without.json()).toMatchObject({ error: 'access_denied' });
    expect((without.json() as { error_description: string }).error_description).toContain('grant_type urn:openid:params:grant-type:ciba');
  });
});

describe('CIBA ping mode: the SSRF guard', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startApprovalServer('sqlite');
    await createPersonIn(t, 'alice@example.com', []);
  });
  afterAll(async () => t.close());

  it('never posts to a private address: the callback is given up and audited, the approval stands and can be polled', async () => {
    const agent = await createCibaAgent(t, 'alice@example.com', { backchannel_token_delivery_mode: 'ping', backchannel_client_notification_endpoint: 'http://127.0.0.1:9/cb' });
    const { auth_req_id: id } = (await backchannel(t, agent, { scope: 'orders:write', client_notification_token: NOTIFICATION_TOKEN })).json() as { auth_req_id: string };
    expect(await answer(t, await signInApprover(t, 'alice@example.com'), 'approve')).toBe('/account/approvals?said=approved');
    await t.server.approvals.delivery.idle();
    const failed = (await auditOf(t)).find((r) => r.event === 'approval.notification_failed');
    expect(failed).toMatchObject({ reason: 'ping callback: address', details: { channel: 'ping', attempts: 1 } });
    expect((await redeem(t, agent, id)).statusCode).toBe(200);
  });
});
