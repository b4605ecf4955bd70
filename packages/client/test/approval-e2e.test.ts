import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeJwt, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgent, createPingReceiver, memoryKeyStore, OAuthClientError, type Agent, type PingReceiver } from '../src/index.js';
import { until } from '../../server/test/support/until.js';
import { startAgentAuth, type AgentAuthProcess } from './helpers/agentauth-process.js';

const RESOURCE = 'https://api.example.com';
const PASSWORD = 'correct horse battery staple';
const GRANTS = ['client_credentials', 'urn:openid:params:grant-type:ciba'];
const PAYMENT = [{ type: 'payment_initiation', amount: 420, currency: 'EUR', locations: [RESOURCE] }];

/** A person on the approval page, driven over HTTP as the form would be. */
class Approver {
  private constructor(
    private readonly issuer: string,
    private readonly cookie: string,
  ) {}

  static async signIn(issuer: string, email: string): Promise<Approver> {
    const form = await fetch(`${issuer}/login`);
    const loginCsrf = /__Host-agentauth-login-csrf=([^;]+)/.exec(form.headers.get('set-cookie') ?? '')?.[1] ?? '';
    const csrf = /name="csrf" value="([^"]+)"/.exec(await form.text())?.[1] ?? '';
    const response = await fetch(`${issuer}/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: `__Host-agentauth-login-csrf=${loginCsrf}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf, return_to: '/account', email, password: PASSWORD }),
    });
    const session = /__Host-agentauth-session=([^;]+)/.exec(response.headers.get('set-cookie') ?? '')?.[1];
    if (session === undefined) throw new Error(`sign-in failed: ${response.status}`);
    return new Approver(issuer, `__Host-agentauth-session=${session}`);
  }

  async page(): Promise<string> {
    return (await fetch(`${this.issuer}/account/approvals`, { headers: { cookie: this.cookie } })).text();
  }

  /** Waits until something is on the page, then answers the first one. */
  async answer(answer: 'approve' | 'deny', reason?: string): Promise<string> {
    let html = '';
    await until(async () => (html = await this.page()).includes('name="id"'), 50);
    const csrf = /<meta name="csrf-token" content="([^"]+)">/.exec(html)?.[1] ?? '';
    const id = /name="id" value="([^"]+)"/.exec(html)?.[1] ?? '';
    const response = await fetch(`${this.issuer}/account/approvals/answer`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: this.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf, id, answer, ...(reason === undefined ? {} : { reason }) }),
    });
    return response.headers.get('location') ?? String(response.status);
  }
}

/** An HTTP listener that hands each request to the receiver as a Web Request. */
async function listen(receiver: PingReceiver): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const request = new Request(`http://127.0.0.1${req.url ?? '/'}`, { method: req.method ?? 'GET', headers: req.headers as Record<string, string>, ...(req.method === 'POST' ? { body: Buffer.concat(chunks) } : {}) });
      void receiver.handle(request).then((response) => res.writeHead(response.status).end());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/ciba`, server };
}

describe('Agent.requestApproval against a real server, a person answering', () => {
  let server: AgentAuthProcess;
  let approver: Approver;
  let typesDir: string;

  async function agentWith(extra: Record<string, unknown> = {}): Promise<Agent> {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    const jwk: JWK = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' };
    const id = await server.createAgent({ owner: 'pat@example.com', grant_types: GRANTS, jwks: { keys: [jwk] }, ...extra });
    return createAgent({ issuer: server.issuer, clientId: id, key: privateKey as CryptoKey, kid: 'k1', keyStore: memoryKeyStore() });
  }

  beforeAll(async () => {
    const { mkdtemp, writeFile } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    typesDir = await mkdtemp(join(tmpdir(), 'agentauth-sdk-types-'));
    await writeFile(join(typesDir, 'types.json'), JSON.stringify({ payment_initiation: { fields: { amount: { type: 'number', required: true }, currency: { type: 'string', required: true } }, approval: { field: 'amount', above: 100 } } }));
    server = await startAgentAuth({
      AGENTAUTH_APPROVAL_TYPES_FILE: join(typesDir, 'types.json'),
      AGENTAUTH_APPROVAL_POLL_INTERVAL: '1',
      AGENTAUTH_APPROVAL_ALLOW_PRIVATE_CALLBACKS: 'true',
    });
    await server.admin('POST', '/users', { email: 'pat@example.com', name: 'Pat', roles: ['operator'], password: PASSWORD });
    approver = await Approver.signIn(server.issuer, 'pat@example.com');
  }, 120_000);
  afterAll(async () => {
    await server?.close();
  });

  it('poll: asks, the person approves, and the token carries exactly the approved details', async () => {
    const agent = await agentWith();
    const pending = agent.requestApproval(PAYMENT, { bindingMessage: 'Pay invoice 77' });
    expect(await approver.answer('approve')).toBe('/account/approvals?said=approved');
    const token = await pending;
    expect(token.authorizationDetails).toEqual(PAYMENT);
    expect(decodeJwt(token.accessToken)).toMatchObject({ sub: agent.clientId, aud: RESOURCE, authorization_details: PAYMENT });
    expect(token.expiresAt - Date.now()).toBeLessThanOrEqual(60_000);
  });

  it('ping: waits for the callback to its receiver, then redeems once', async () => {
    const receiver = createPingReceiver();
    const { url, server: listener } = await listen(receiver);
    try {
      const agent = await agentWith({ backchannel_token_delivery_mode: 'ping', backchannel_client_notification_endpoint: url });
      const pending = agent.requestApproval(undefined, { scope: 'orders:write', bindingMessage: 'Ship order 9', ping: receiver });
      expect(await approver.answer('approve')).toBe('/account/approvals?said=approved');
      const token = await pending;
      expect(token.scope).toBe('orders:write');
      expect(token.authorizationDetails).toBeUndefined();
    } finally {
      listener.close();
    }
  });

  it('a denial rejects with access_denied carrying the reason', async () => {
    const agent = await agentWith();
    const pending = agent.requestApproval(PAYMENT, { bindingMessage: 'Pay invoice 78' });
    const outcome = pending.catch((e: unknown) => e);
    expect(await approver.answer('deny', 'duplicate invoice')).toBe('/account/approvals?said=denied');
    const error = (await outcome) as OAuthClientError;
    expect(error).toBeInstanceOf(OAuthClientError);
    expect(error.error).toBe('access_denied');
    expect(error.error_description).toBe('the person denied the request: duplicate invoice');
  });

  it('cancellation and timeouts stop the wait; an expiry rejects with expired_token', async () => {
    const agent = await agentWith();
    const controller = new AbortController();
    const cancelled = agent.requestApproval(PAYMENT, { signal: controller.signal }).catch((e: unknown) => e);
    controller.abort();
    expect(((await cancelled) as Error).name).toBe('AbortError');
    const timedOut = (await agent.requestApproval(PAYMENT, { timeoutMs: 200 }).catch((e: unknown) => e)) as Error;
    expect(timedOut.name).toBe('TimeoutError');
    const expired = (await agent.requestApproval(PAYMENT, { requestedExpiry: 1 }).catch((e: unknown) => e)) as OAuthClientError;
    expect(expired.error).toBe('expired_token');
    // What was left pending by the cancelled and timed-out requests is cleared for the next test.
    while ((await approver.page()).includes('name="id"')) await approver.answer('deny');
  });

  it('refuses misuse at once, before anything is sent', async () => {
    const agent = await agentWith();
    await expect(agent.requestApproval([], {})).rejects.toBeInstanceOf(TypeError);
    await expect(agent.requestApproval(undefined, {})).rejects.toBeInstanceOf(TypeError);
    await expect(agent.requestApproval(PAYMENT, { bindingMessage: 'x'.repeat(101) })).rejects.toBeInstanceOf(TypeError);
  });
});
