import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectCleanPage, screenshot, startConsoleRig, type ConsoleRig } from './support/console-browser.js';
import { auditOf, expectAnswered, personId } from './support/console-people.js';

const RESOURCE = 'https://payments.example.com';
const GRANT_CIBA = 'urn:openid:params:grant-type:ciba';

/** An agent speaking CIBA over HTTP with its own key, owned (and so approved) by `owner`. */
async function cibaAgent(rig: ConsoleRig, name: string, owner: string) {
  const keys = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(keys.publicKey)), kid: 'k1', alg: 'ES256' };
  const created = await rig.admin('POST', '/agents', { name, owner, scopes: ['payments:write'], resources: [RESOURCE], grant_types: ['client_credentials', GRANT_CIBA], jwks: { keys: [jwk] } });
  if (created.status !== 201) throw new Error(`agent: ${JSON.stringify(created.body)}`);
  const id = (created.body as { agent: { id: string } }).agent.id;
  const post = async (path: string, params: Record<string, string>) => {
    const iat = Math.floor(Date.now() / 1000);
    const assertion = await new SignJWT({ iss: id, sub: id, aud: rig.server.url, jti: crypto.randomUUID(), iat, exp: iat + 60 }).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).sign(keys.privateKey as CryptoKey);
    const response = await fetch(`${rig.server.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: assertion, ...params }).toString(),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  return {
    id,
    /** Asks a person to approve `payments:write`, as CIBA's backchannel request; the `auth_req_id`. */
    async ask(message: string): Promise<string> {
      const asked = await post('/bc-authorize', { scope: 'payments:write', binding_message: message });
      if (asked.status !== 200) throw new Error(`bc-authorize: ${JSON.stringify(asked.body)}`);
      return asked.body['auth_req_id'] as string;
    },
    redeem: (authReqId: string) => post('/token', { grant_type: GRANT_CIBA, auth_req_id: authReqId }),
  };
}

let rig: ConsoleRig;
beforeAll(async () => {
  rig = await startConsoleRig({ AGENTAUTH_APPROVAL_SCOPES: 'payments:write', AGENTAUTH_APPROVAL_POLL_INTERVAL: '1' });
}, 180_000);
afterAll(async () => {
  await rig?.close();
});

describe('the approvals page', () => {
  it('the approver approves with a reason: the request leaves the inbox, appears in the history, and the agent gets its token', async () => {
    const agent = await cibaAgent(rig, 'invoice-bot', 'operator@example.com');
    const first = await agent.ask('Invoice 2026-117');
    await agent.ask('Invoice 2026-118');
    const signedIn = await rig.signIn('operator', '/approvals');
    const { page } = signedIn;
    const inbox = page.getByRole('list', { name: 'Waiting for you' });
    await expect.poll(() => inbox.locator(':scope > li').count()).toBe(2);
    const card = inbox.locator(':scope > li').filter({ hasText: 'Invoice 2026-117' });
    expect(await card.textContent()).toContain('payments:write');
    expect(await card.getByRole('link', { name: 'invoice-bot' }).getAttribute('href')).toBe(`/console/agents/${agent.id}`);

    await card.getByRole('button', { name: 'Approve…' }).click();
    const dialog = page.getByRole('alertdialog');
    await dialog.getByLabel('Reason (kept in the audit log)').fill('expected invoice run');
    await dialog.getByRole('button', { name: 'Approve', exact: true }).click();
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'Approved' }).count()).toBe(1);
    await expect.poll(() => inbox.locator(':scope > li').count()).toBe(1);
    expect(await inbox.textContent()).not.toContain('Invoice 2026-117');
    const history = page.getByRole('table', { name: 'History' });
    const row = history.getByRole('row').filter({ hasText: 'Invoice 2026-117' });
    await expect.poll(() => row.textContent()).toContain('expected invoice run');
    expect(await row.textContent()).toContain('approved');
    expect(await row.textContent()).toContain('you');

    await expect.poll(async () => (await agent.redeem(first)).status, { timeout: 15_000, interval: 1100 }).toBe(200);
    const operatorId = await personId(rig, 'operator');
    const approved = await auditOf(rig, 'approval.approved');
    expect(approved.at(-1)).toMatchObject({ actor: `user:${operatorId}`, agent_id: agent.id, reason: 'expected invoice run', details: { approver_email: 'operator@example.com' } });
    await screenshot(page, 'console-approvals.png');
    await expectCleanPage(signedIn);

    // Denying the other, with a reason the agent is told.
    const second = inbox.locator(':scope > li').filter({ hasText: 'Invoice 2026-118' });
    await second.getByRole('button', { name: 'Deny…' }).click();
    await page.getByRole('alertdialog').getByLabel('Reason (told to the agent)').fill('duplicate');
    await page.getByRole('alertdialog').getByRole('button', { name: 'Deny', exact: true }).click();
    await expect.poll(() => page.getByText('Nothing is waiting for your approval').count()).toBe(1);
    expect(await history.getByRole('row').filter({ hasText: 'Invoice 2026-118' }).textContent()).toContain('duplicate');
    await signedIn.context.close();
  });

  it('an auditor sees what is addressed to them but has no buttons, and the API refuses their answer', async () => {
    const agent = await cibaAgent(rig, 'audit-bot', 'auditor@example.com');
    await agent.ask('Close account 42');
    const signedIn = await rig.signIn('auditor', '/approvals');
    const { page } = signedIn;
    const inbox = page.getByRole('list', { name: 'Waiting for you' });
    await expect.poll(() => inbox.locator(':scope > li').count()).toBe(1);
    expect(await page.getByText('Your role lets you read approvals, not answer them.').count()).toBe(1);
    expect(await page.getByRole('button', { name: /Approve|Deny/ }).count()).toBe(0);
    const status = await page.evaluate(async () => {
      const session = (await (await fetch('/console/api/session')).json()) as { csrf_token: string };
      const listed = (await (await fetch('/account/api/approvals')).json()) as { pending: { id: string }[] };
      const response = await fetch(`/account/api/approvals/${listed.pending[0]?.id ?? 'none'}/answer`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': session.csrf_token },
        body: JSON.stringify({ decision: 'approve' }),
      });
      return response.status;
    });
    expect(status).toBe(403);
    expect(await inbox.locator(':scope > li').count()).toBe(1);
    expectAnswered(signedIn, 403);
    await expectCleanPage(signedIn);
    await signedIn.context.close();
  });
});
