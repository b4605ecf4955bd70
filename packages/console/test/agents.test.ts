import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { expectCleanPage, screenshot, startConsoleRig, type ConsoleRig } from './support/console-browser.js';

interface AgentJson {
  id: string;
  client_id: string;
  name: string;
  status: string;
}
interface AuditJson {
  event: string;
  actor: string | null;
  details: Record<string, unknown>;
}

let rig: ConsoleRig;
let operatorId: string;
let agent: AgentJson;
let jti: string;
let helperId: string;
let serial: string;

/** A PEM PKCS#10 request from a fresh P-256 key made by openssl; the key is deleted at once. */
function certificateRequest(): string {
  const dir = mkdtempSync(join(tmpdir(), 'console-agents-'));
  try {
    const key = join(dir, 'key.pem');
    execFileSync('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', key], { stdio: 'ignore' });
    return execFileSync('openssl', ['req', '-new', '-key', key, '-subj', '/O=agentauth'], { encoding: 'utf8' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** An access token from POST /token, the client authenticated with client_secret_basic (RFC 6749 §2.3.1: form-urlencoded, then base64). */
async function clientToken(clientId: string, secret: string, form: Record<string, string>): Promise<string> {
  const basic = Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64');
  const response = await fetch(`${rig.server.url}/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form),
  });
  const body = (await response.json()) as { access_token?: string };
  if (response.status !== 200 || body.access_token === undefined) throw new Error(`POST /token: ${response.status} ${JSON.stringify(body)}`);
  return body.access_token;
}

function claimsOf(token: string): { jti: string } {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as { jti: string };
}

const RESOURCE = 'https://invoices.example.com';

beforeAll(async () => {
  rig = await startConsoleRig();
  const users = (await rig.admin('GET', '/users')).body as { items: { id: string; email: string }[] };
  operatorId = users.items.find((u) => u.email === 'operator@example.com')?.id ?? '';
  // The agent the operator looks for, with a client secret, and one it must not find.
  const made = await rig.admin('POST', '/agents', {
    name: 'invoice-bot',
    owner: 'payments',
    labels: { team: 'payments' },
    scopes: ['invoices:read'],
    resources: [RESOURCE],
    token_endpoint_auth_method: 'client_secret_basic',
  });
  expect(made.status).toBe(201);
  const created = made.body as { agent: AgentJson; client_secret: string };
  agent = created.agent;
  expect((await rig.admin('POST', '/agents', { name: 'research-bot', owner: 'research', labels: { team: 'research' } })).status).toBe(201);
  // A live token: client_credentials with client_secret_basic (docs/oauth.md).
  const own = await clientToken(agent.client_id, created.client_secret, { grant_type: 'client_credentials', scope: 'invoices:read', resource: RESOURCE });
  jti = claimsOf(own).jti;
  // The server records "last seen" in batches, every few seconds.
  for (const deadline = Date.now() + 60_000; ; ) {
    if (((await rig.admin('GET', `/agents/${agent.id}`)).body as { last_seen_at: string | null }).last_seen_at !== null) break;
    if (Date.now() > deadline) throw new Error('the agent was never marked as seen');
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  // A certificate from the built-in CA, to revoke.
  const issued = await rig.admin('POST', `/agents/${agent.id}/certificates`, { csr: certificateRequest() });
  expect(issued.status).toBe(201);
  serial = (issued.body as { serial: string }).serial;
  // Another agent acts for it: RFC 8693 token exchange with its own token as the actor token.
  const helperMade = await rig.admin('POST', '/agents', {
    name: 'helper-bot',
    owner: 'payments',
    scopes: ['invoices:read'],
    resources: [RESOURCE],
    grant_types: ['client_credentials', 'urn:ietf:params:oauth:grant-type:token-exchange'],
    token_endpoint_auth_method: 'client_secret_basic',
  });
  expect(helperMade.status).toBe(201);
  const helper = helperMade.body as { agent: AgentJson; client_secret: string };
  helperId = helper.agent.id;
  const actorToken = await clientToken(helper.agent.client_id, helper.client_secret, { grant_type: 'client_credentials', scope: 'invoices:read', resource: RESOURCE });
  await clientToken(helper.agent.client_id, helper.client_secret, {
    grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
    subject_token: own,
    subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
    actor_token: actorToken,
    actor_token_type: 'urn:ietf:params:oauth:token-type:access_token',
  });
}, 180_000);
afterAll(async () => {
  await rig?.close();
});

async function auditOf(event: string): Promise<AuditJson[]> {
  const page = (await rig.admin('GET', `/audit?agent_id=${agent.id}&event=${event}`)).body as { items: AuditJson[] };
  return page.items;
}

async function agentStatus(): Promise<string> {
  return ((await rig.admin('GET', `/agents/${agent.id}`)).body as AgentJson).status;
}

/** Opens the confirmation of `trigger`, and confirms with `confirm`. */
async function confirm(page: Page, trigger: string, confirmLabel: string): Promise<void> {
  await page.getByRole('button', { name: trigger }).click();
  const dialog = page.getByRole('alertdialog');
  await dialog.waitFor();
  await dialog.getByRole('button', { name: confirmLabel, exact: true }).click();
  await dialog.waitFor({ state: 'detached' });
}

describe('the agents pages', () => {
  it('lets an operator find an agent by filter, open it, revoke its live token, suspend and resume it, each audited as the operator', async () => {
    const signedIn = await rig.signIn('operator', '/agents');
    const { page } = signedIn;
    const table = page.getByRole('table');
    await expect.poll(() => table.getByRole('link', { name: 'research-bot' }).count()).toBe(1);

    // Owner and label are filtered by the admin API; the address keeps the filters.
    await page.getByLabel('Owner').fill('payments');
    await page.getByLabel('Label (key=value)').fill('team=payments');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect.poll(() => new URL(page.url()).search).toBe('?owner=payments&label=team%3Dpayments');
    await expect.poll(() => table.getByRole('link', { name: 'research-bot' }).count()).toBe(0);
    await expect.poll(() => table.getByRole('link', { name: 'invoice-bot' }).count()).toBe(1);
    expect(await table.getByRole('row').nth(1).textContent()).toContain('active');
    // "Never seen" is applied by the console: the agent that got a token has been seen.
    await page.getByLabel('Last seen').selectOption('never');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect.poll(() => page.getByText('No agent matches these filters').count()).toBe(1);
    await page.getByLabel('Last seen').selectOption('1h');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect.poll(() => table.getByRole('link', { name: 'invoice-bot' }).count()).toBe(1);
    await expectCleanPage(signedIn);
    await screenshot(page, 'console-agents.png');

    await table.getByRole('link', { name: 'invoice-bot' }).click();
    await expect.poll(() => new URL(page.url()).pathname).toBe(`/console/agents/${agent.id}`);
    const heading = page.getByRole('heading', { level: 1 });
    await expect.poll(() => heading.textContent()).toBe('invoice-bot active');
    const tokens = page.getByRole('table', { name: 'Live tokens' });
    await expect.poll(() => tokens.getByText(jti).count()).toBe(1);
    await expect.poll(() => page.getByRole('table', { name: 'Policy decisions, newest first' }).getByText('access_token.issued').count()).toBe(1);
    // helper-bot holds a token it exchanged from this agent's: it acts for this agent.
    expect(await page.getByRole('img', { name: 'Who acts for whom' }).count()).toBe(1);
    expect(await page.locator('#delegation-list').textContent()).toBe(`${helperId} acts for ${agent.id} (1 token)`);
    await expectCleanPage(signedIn);
    // Tall enough for the tokens, the delegation graph and the decisions in one picture.
    await page.setViewportSize({ width: 1280, height: 2000 });
    await screenshot(page, 'console-agent-detail.png');
    await page.setViewportSize({ width: 1280, height: 860 });

    // Revoke the live token.
    await confirm(page, `Revoke token ${jti.slice(0, 8)}…`, 'Revoke');
    await expect.poll(() => page.getByRole('status').filter({ hasText: `Token ${jti} is revoked` }).count()).toBe(1);
    await expect.poll(() => tokens.getByRole('row').filter({ hasText: jti }).textContent()).toContain('revoked');
    const live = (await rig.admin('GET', `/agents/${agent.id}/tokens`)).body as { items: { jti: string; revoked: boolean }[] };
    expect(live.items.find((t) => t.jti === jti)?.revoked).toBe(true);
    expect((await auditOf('access_token.revoked')).map((r) => [r.actor, r.details['jti']])).toEqual([[`user:${operatorId}`, jti]]);

    // Revoke its certificate: on the CRL, audited as the operator.
    const certificates = page.getByRole('table', { name: 'Certificates' });
    await confirm(page, `Revoke certificate ${serial.slice(0, 12)}…`, 'Revoke');
    await expect.poll(() => certificates.getByRole('row').filter({ hasText: serial }).textContent()).toContain('revoked');
    const listed = (await rig.admin('GET', `/certificates?agent_id=${agent.id}`)).body as { items: { serial: string; revoked_at: string | null }[] };
    expect(listed.items.find((c) => c.serial === serial)?.revoked_at).not.toBeNull();
    expect((await auditOf('certificate.revoked')).map((r) => r.actor)).toEqual([`user:${operatorId}`]);

    // Suspend, confirmed: the API then says suspended, audited with the operator as actor.
    await confirm(page, 'Suspend', 'Suspend');
    await expect.poll(() => heading.textContent()).toBe('invoice-bot suspended');
    expect(await agentStatus()).toBe('suspended');
    expect((await auditOf('agent.suspended')).map((r) => r.actor)).toEqual([`user:${operatorId}`]);
    await expect.poll(() => page.getByRole('list').filter({ hasText: 'agent.suspended' }).count()).toBeGreaterThan(0);

    // Cancelling a confirmation changes nothing.
    await page.getByRole('button', { name: 'Resume' }).click();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Cancel' }).click();
    expect(await agentStatus()).toBe('suspended');

    await confirm(page, 'Resume', 'Resume');
    await expect.poll(() => heading.textContent()).toBe('invoice-bot active');
    expect(await agentStatus()).toBe('active');
    expect((await auditOf('agent.resumed')).map((r) => r.actor)).toEqual([`user:${operatorId}`]);

    // Rotate the client secret: a new one, shown once, beside the old one.
    await confirm(page, 'Rotate secret', 'Generate new secret');
    const rotated = await page.getByLabel('New client secret').inputValue();
    expect(rotated.length).toBeGreaterThan(20);
    await expect.poll(() => page.getByRole('table', { name: 'Credentials' }).getByRole('row').count()).toBe(3);
    const credentials = ((await rig.admin('GET', `/agents/${agent.id}`)).body as { credentials: { type: string }[] }).credentials;
    expect(credentials.map((c) => c.type)).toEqual(['secret', 'secret']);
    const added = await auditOf('credential.added');
    expect(added.filter((r) => r.actor?.startsWith('user:')).map((r) => [r.actor, r.details['type']])).toEqual([[`user:${operatorId}`, 'secret']]);

    await expectCleanPage(signedIn);
    await signedIn.context.close();
  }, 180_000);

  it('shows an auditor the same agent without any action, and the admin API refuses the auditor a suspension', async () => {
    const signedIn = await rig.signIn('auditor', `/agents/${agent.id}`);
    const { page } = signedIn;
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('invoice-bot active');
    await expect.poll(() => page.getByRole('table', { name: 'Live tokens' }).getByText(jti).count()).toBe(1);
    await expect.poll(() => page.getByRole('heading', { name: 'Audit timeline' }).count()).toBe(1);
    const buttons = await page.getByRole('main').getByRole('button').allTextContents();
    expect(buttons).toEqual([]);
    // The page's own session, and its CSRF token: the refusal is the API's, not the console's.
    const status = await page.evaluate(async (id) => {
      const session = (await (await fetch('/console/api/session')).json()) as { csrf_token: string };
      const response = await fetch(`/admin/v1/agents/${id}/suspend`, { method: 'POST', headers: { 'x-csrf-token': session.csrf_token } });
      return response.status;
    }, agent.id);
    expect(status).toBe(403);
    expect(await agentStatus()).toBe('active');
    // The browser logs the refusal this test asked for; nothing else may be there.
    expect(signedIn.problems).toEqual(['console: Failed to load resource: the server responded with a status of 403 (Forbidden)']);
    signedIn.problems.length = 0;
    await expectCleanPage(signedIn);

    await page.getByRole('link', { name: '← All agents' }).click();
    await expect.poll(() => page.getByRole('table').getByRole('link', { name: 'invoice-bot' }).count()).toBe(1);
    expect(await page.getByRole('button', { name: 'Create agent' }).count()).toBe(0);
    await signedIn.context.close();
  }, 120_000);

  it('creates an agent through the dialog and shows its client secret once', async () => {
    const signedIn = await rig.signIn('operator', '/agents');
    const { page } = signedIn;
    await page.getByRole('button', { name: 'Create agent' }).click();
    const dialog = page.getByRole('dialog', { name: 'Create agent' });
    await dialog.waitFor();
    await dialog.getByLabel('Name').fill('report-writer');
    await dialog.getByLabel('Owner').fill('finance');
    await dialog.getByLabel('Scopes').fill('reports:write');
    await dialog.getByLabel('Resources').fill('https://reports.example.com');
    await dialog.getByLabel('Labels').fill('team=finance, env=prod');
    await dialog.getByLabel('Authentication method').selectOption('client_secret_basic');
    await dialog.getByRole('button', { name: 'Create', exact: true }).click();

    const done = page.getByRole('dialog', { name: 'Agent created' });
    await done.waitFor();
    const secret = await done.getByLabel('Client secret').inputValue();
    expect(secret.length).toBeGreaterThan(20);
    expect(await done.textContent()).toContain('shown only this once');
    await expectCleanPage(signedIn);

    const found = (await rig.admin('GET', '/agents?name=report-writer')).body as { items: (AgentJson & { owner: string; labels: Record<string, string>; scopes: string[] })[] };
    expect(found.items.map((a) => [a.owner, a.labels, a.scopes])).toEqual([['finance', { team: 'finance', env: 'prod' }, ['reports:write']]]);
    const registered = ((await rig.admin('GET', `/audit?agent_id=${found.items[0]?.id}&event=agent.registered`)).body as { items: AuditJson[] }).items;
    expect(registered.map((r) => r.actor)).toEqual([`user:${operatorId}`]);

    await done.getByRole('button', { name: 'Done' }).click();
    await expect.poll(() => page.getByRole('table').getByRole('link', { name: 'report-writer' }).count()).toBe(1);
    // The secret is gone from the page once the dialog is closed.
    expect(await page.content()).not.toContain(secret);

    // A refusal says what was wrong.
    await page.getByRole('button', { name: 'Create agent' }).click();
    await dialog.getByLabel('Name').fill('bad-bot');
    await dialog.getByLabel('Owner').fill('finance');
    await dialog.getByLabel('Resources').fill('not-a-uri');
    await dialog.getByRole('button', { name: 'Create', exact: true }).click();
    await expect.poll(() => dialog.getByRole('alert').textContent()).toContain('The agent was not created');
    await page.keyboard.press('Escape');
    await signedIn.context.close();
  }, 120_000);

  it('says how to create an agent when none matches, and keeps a narrow screen usable', async () => {
    const signedIn = await rig.signIn('operator', '/agents', { width: 390, height: 800 });
    const { page } = signedIn;
    await page.goto(`${rig.server.url}/console/agents?owner=nobody-at-all`);
    await expect.poll(() => page.getByText('No agent matches these filters').count()).toBe(1);
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await expect.poll(() => page.getByRole('table').getByRole('link', { name: 'invoice-bot' }).count()).toBe(1);
    await page.goto(`${rig.server.url}/console/agents/${agent.id}`);
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('invoice-bot active');
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    await expectCleanPage(signedIn);
    await signedIn.context.close();
  }, 120_000);
});
