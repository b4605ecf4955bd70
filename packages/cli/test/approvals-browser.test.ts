import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GRANT_CIBA } from '@agentauth/protocol';
import { decodeJwt, exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docsScreenshot } from './helpers/docs-screenshot.js';
import { startServerProcess, type ServerProcess } from './helpers/server-process.js';

const BOOTSTRAP = 'approvals-browser-bootstrap-token-0123456789abcdef';
const PASSWORD = 'correct horse battery staple';
const RESOURCE = 'https://payments.example.com';
const TYPES = {
  payment_initiation: {
    description: 'A payment from the company account',
    fields: { amount: { type: 'number', required: true, minimum: 0 }, currency: { type: 'string', required: true, enum: ['EUR', 'USD'] }, creditor: { type: 'string', maxLength: 100 } },
    approval: { field: 'amount', above: 100 },
  },
};
const payment = (amount: number) => JSON.stringify([{ type: 'payment_initiation', amount, currency: 'EUR', creditor: 'ACME Supplies Ltd', locations: [RESOURCE] }]);

/**
 * Approvals through the doors people and agents use: a real server process, an agent speaking CIBA
 * over HTTP with its own key, and a person answering in headless Chromium. Expiry is a short
 * `requested_expiry` and polling, never a fixed sleep.
 */
describe('approvals in a real browser against a real server process', () => {
  let server: ServerProcess;
  let browser: Browser;
  let page: Page;
  let agentId: string;
  let privateKey: CryptoKey;

  const admin = async (path: string, body: unknown) => {
    const response = await fetch(`${server.url}/admin/v1${path}`, { method: 'POST', headers: { authorization: `Bearer ${BOOTSTRAP}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (response.status !== 201) throw new Error(`${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as Record<string, unknown>;
  };
  const post = async (path: string, params: Record<string, string>) => {
    const iat = Math.floor(Date.now() / 1000);
    const assertion = await new SignJWT({ iss: agentId, sub: agentId, aud: server.url, jti: crypto.randomUUID(), iat, exp: iat + 60 }).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).sign(privateKey);
    const response = await fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: assertion, ...params }).toString(),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const ask = async (params: Record<string, string>) => {
    const asked = await post('/bc-authorize', params);
    expect(asked.status).toBe(200);
    return asked.body['auth_req_id'] as string;
  };
  const redeem = (authReqId: string) => post('/token', { grant_type: GRANT_CIBA, auth_req_id: authReqId });

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agentauth-approval-types-'));
    writeFileSync(join(dir, 'types.json'), JSON.stringify(TYPES));
    server = await startServerProcess({ env: { AGENTAUTH_BOOTSTRAP_TOKEN: BOOTSTRAP, AGENTAUTH_APPROVAL_TYPES_FILE: join(dir, 'types.json'), AGENTAUTH_APPROVAL_POLL_INTERVAL: '1' } });
    await admin('/users', { email: 'paula@example.com', name: 'Paula Payments', roles: ['operator'], password: PASSWORD });
    const keys = await generateKeyPair('ES256', { extractable: true });
    privateKey = keys.privateKey;
    const jwk = { ...(await exportJWK(keys.publicKey)), kid: 'k1', alg: 'ES256' };
    const created = await admin('/agents', { name: 'invoice-bot', owner: 'paula@example.com', scopes: ['payments:write'], resources: [RESOURCE], grant_types: ['client_credentials', GRANT_CIBA], jwks: { keys: [jwk] } });
    agentId = (created['agent'] as { id: string }).id;
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
    page = await (await browser.newContext({ viewport: { width: 720, height: 900 } })).newPage();
    await page.goto(`${server.url}/login`);
    await page.fill('#email', 'paula@example.com');
    await page.fill('#password', PASSWORD);
    await page.click('button[type=submit]');
    await page.waitForURL(`${server.url}/account`);
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('approve: the person sees the agent, the binding message and every detail, approves, and the agent gets a token for exactly that', async () => {
    const authReqId = await ask({ authorization_details: payment(2500), binding_message: 'Invoice 2026-117' });
    expect((await redeem(authReqId)).body['error']).toBe('authorization_pending');
    await page.click('a[href="/account/approvals"]');
    expect(await page.textContent('.agent-name')).toBe('invoice-bot');
    expect(await page.textContent('.binding-message')).toContain('Invoice 2026-117');
    expect(await page.textContent('.detail')).toContain('ACME Supplies Ltd');
    await docsScreenshot(page, 'approvals-pending.png');
    await page.click('button.approve');
    await expect.poll(() => page.textContent('[role=status]')).toContain('Approved');
    await docsScreenshot(page, 'approvals-approved.png');
    // The poll just before was within the 1 s interval: wait it out by polling, never by sleeping.
    await expect.poll(async () => (await redeem(authReqId)).status, { timeout: 10_000, interval: 1100 }).toBe(200);
  });

  it('the approved token carries the approved details, one resource and a short life', async () => {
    const authReqId = await ask({ authorization_details: payment(900), binding_message: 'Invoice 2026-118' });
    await page.goto(`${server.url}/account/approvals`);
    await page.click('button.approve');
    await expect.poll(() => page.textContent('[role=status]')).toContain('Approved');
    const issued = await redeem(authReqId);
    expect(issued.status).toBe(200);
    const claims = decodeJwt(issued.body['access_token'] as string);
    expect(claims).toMatchObject({ sub: agentId, aud: RESOURCE, authorization_details: JSON.parse(payment(900)) });
    expect((claims.exp as number) - (claims.iat as number)).toBe(60);
  });

  it('deny: the person gives a reason, and the agent is told access_denied with it', async () => {
    const authReqId = await ask({ authorization_details: payment(99_000), binding_message: 'Invoice 2026-119' });
    await page.goto(`${server.url}/account/approvals`);
    await page.fill('input.reason', 'amount looks wrong');
    await docsScreenshot(page, 'approvals-deny.png');
    await page.click('button.deny');
    await expect.poll(() => page.textContent('[role=status]')).toContain('Denied');
    const refused = await redeem(authReqId);
    expect(refused.body).toMatchObject({ error: 'access_denied', error_description: 'the person denied the request: amount looks wrong' });
  });

  it('expire: unanswered within requested_expiry, the agent gets expired_token, and a late approval is refused', async () => {
    const authReqId = await ask({ authorization_details: payment(500), binding_message: 'Invoice 2026-120', requested_expiry: '2' });
    await page.goto(`${server.url}/account/approvals`);
    expect(await page.textContent('.binding-message')).toContain('Invoice 2026-120');
    await expect.poll(async () => (await redeem(authReqId)).body['error'], { timeout: 15_000, interval: 250 }).toBe('expired_token');
    await page.click('button.approve');
    await expect.poll(() => page.textContent('[role=status]')).toContain('expired');
    await docsScreenshot(page, 'approvals-expired.png');
    expect(await page.textContent('#none')).toContain('Nothing is waiting');
  });
});
