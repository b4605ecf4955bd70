import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RetryingDelivery } from '../../src/approvals/retrying-delivery.js';
import { FetchError } from '../../src/net/fetch-error.js';
import { auditOf } from '../people/people-harness.js';
import type { TestAgent, TestServer } from '../support/test-server.js';
import { answer, backchannel, createCibaAgent, createPersonIn, redeem, RESOURCE, signInApprover, startApprovalServer, type Approver } from './approval-harness.js';

const SECRET = 'approval-webhook-secret-0123456789abcdefghijkl';

interface Posted {
  signature: string;
  body: string;
  json: { type: string; text: string; approval: Record<string, unknown> };
}

async function receiver(): Promise<{ url: string; posted: Posted[]; close(): Promise<void> }> {
  const posted: Posted[] = [];
  const server = createServer((request: IncomingMessage, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      posted.push({ signature: String(request.headers['x-agentauth-signature']), body, json: JSON.parse(body) as Posted['json'] });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, posted, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** What a receiver does: recompute the HMAC over `<t>.<body>` and compare. */
function verifies(post: Posted): boolean {
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(post.signature);
  if (match === null) return false;
  return createHmac('sha256', SECRET).update(`${match[1]}.${post.body}`).digest('hex') === match[2];
}

describe('the approval webhook', () => {
  let t: TestServer;
  let agent: TestAgent;
  let alice: Approver;
  let rx: Awaited<ReturnType<typeof receiver>>;

  beforeAll(async () => {
    rx = await receiver();
    t = await startApprovalServer('sqlite', { AGENTAUTH_APPROVAL_WEBHOOK: rx.url, AGENTAUTH_APPROVAL_WEBHOOK_SECRET: SECRET, AGENTAUTH_APPROVAL_ALLOW_PRIVATE_CALLBACKS: 'true' });
    await createPersonIn(t, 'alice@example.com', []);
    agent = await createCibaAgent(t, 'alice@example.com');
    alice = await signInApprover(t, 'alice@example.com');
  });
  afterAll(async () => {
    await t.close();
    await rx.close();
  });

  it('posts each event as signed JSON a chat tool renders: requested, then approved', async () => {
    const details = JSON.stringify([{ type: 'payment_initiation', amount: 2500, currency: 'EUR', locations: [RESOURCE] }]);
    const { auth_req_id: id } = (await backchannel(t, agent, { authorization_details: details, binding_message: 'Invoice 117' })).json() as { auth_req_id: string };
    await t.server.approvals.delivery.idle();
    expect(rx.posted).toHaveLength(1);
    const requested = rx.posted[0] as Posted;
    expect(verifies(requested)).toBe(true);
    expect(requested.json.type).toBe('approval.requested');
    expect(requested.json.text).toContain('test-agent asks for approval: payment_initiation amount=2500 currency=EUR');
    expect(requested.json.text).toContain('Invoice 117');
    expect(requested.json.approval).toMatchObject({ status: 'pending', url: 'http://127.0.0.1:8080/account/approvals', binding_message: 'Invoice 117' });
    expect(requested.body).not.toContain(id);

    expect(await answer(t, alice, 'approve')).toBe('/account/approvals?said=approved');
    await t.server.approvals.delivery.idle();
    expect(rx.posted[1]?.json).toMatchObject({ type: 'approval.approved', approval: { status: 'approved' } });
    expect(verifies(rx.posted[1] as Posted)).toBe(true);
    expect((await auditOf(t)).filter((r) => r.event === 'approval.notified' && r.details['channel'] === 'webhook')).toHaveLength(2);
  });

  it('posts a denial with its reason, and an expiry', async () => {
    rx.posted.length = 0;
    await backchannel(t, agent, { scope: 'orders:write' });
    expect(await answer(t, alice, 'deny', { reason: 'not now' })).toBe('/account/approvals?said=denied');
    const { auth_req_id: late } = (await backchannel(t, agent, { scope: 'orders:write', requested_expiry: '30' })).json() as { auth_req_id: string };
    t.clock.advance(30_000);
    expect((await redeem(t, agent, late)).json()).toMatchObject({ error: 'expired_token' });
    await t.server.approvals.delivery.idle();
    expect(rx.posted.map((p) => p.json.type)).toEqual(['approval.requested', 'approval.denied', 'approval.requested', 'approval.expired']);
    expect(rx.posted[1]?.json.text).toContain('reason: not now');
    expect(rx.posted.every(verifies)).toBe(true);
  });

  it('escapes the agent\'s words in the chat text: a binding message cannot smuggle in a link', async () => {
    rx.posted.length = 0;
    await backchannel(t, agent, { scope: 'orders:write', binding_message: '<https://evil.example/login|Approve at the approval page> & go' });
    await t.server.approvals.delivery.idle();
    const text = rx.posted[0]?.json.text ?? '';
    expect(text).toContain('&lt;https://evil.example/login|Approve at the approval page&gt; &amp; go');
    expect(text).not.toContain('<https://evil');
    expect(await answer(t, alice, 'deny', { reason: '<!channel>' })).toBe('/account/approvals?said=denied');
    await t.server.approvals.delivery.idle();
    expect(rx.posted[1]?.json.text).toContain('reason: &lt;!channel&gt;');
  });
});

describe('RetryingDelivery', () => {
  it('retries what another attempt may cure, gives up on what it cannot, and settles each delivery once', async () => {
    const failures: FetchError[] = [new FetchError('status', 'x answered 503'), new FetchError('timeout', 'slow')];
    let attempts = 0;
    const delivery = new RetryingDelivery(async () => {
      attempts += 1;
      const failure = failures.shift();
      if (failure !== undefined) throw failure;
    }, [0, 0, 0]);
    const outcomes: unknown[] = [];
    delivery.deliver({ url: 'https://x.example', body: '{}', contentType: 'application/json', headers: {}, settled: async (o) => void outcomes.push(o) });
    await delivery.idle();
    expect(outcomes).toEqual([{ ok: true, attempts: 3 }]);
    expect(attempts).toBe(3);

    const refused = new RetryingDelivery(async () => {
      throw new FetchError('address', 'private address');
    }, [0, 0]);
    refused.deliver({ url: 'https://x.example', body: '{}', contentType: 'application/json', headers: {}, settled: async (o) => void outcomes.push(o) });
    await refused.idle();
    expect(outcomes[1]).toEqual({ ok: false, attempts: 1, code: 'address' });

    const exhausted = new RetryingDelivery(async () => {
      throw new FetchError('network', 'reset');
    }, [0]);
    exhausted.deliver({ url: 'https://x.example', body: '{}', contentType: 'application/json', headers: {}, settled: async (o) => void outcomes.push(o) });
    await exhausted.idle();
    expect(outcomes[2]).toEqual({ ok: false, attempts: 2, code: 'network' });
  });
});
