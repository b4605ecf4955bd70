import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessibilityViolations, expectCleanPage, screenshot, startConsoleRig, type ConsoleRig } from './support/console-browser.js';

const API = 'https://invoices.example.com';
const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const API_KEY_TYPE = 'urn:agentauth:params:oauth:token-type:api-key';
/** The drawing of a chart: an image named by the sentence that says its numbers. */
const CHART = 'div.chart[role=img]';

let rig: ConsoleRig;
beforeAll(async () => {
  rig = await startConsoleRig();
}, 180_000);
afterAll(async () => {
  await rig?.close();
});

/** A token request at the real token endpoint; the HTTP status. */
async function tokenRequest(params: Record<string, string>, basic?: { id: string; secret: string }): Promise<number> {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (basic !== undefined) headers['authorization'] = `Basic ${Buffer.from(`${basic.id}:${basic.secret}`).toString('base64')}`;
  const response = await fetch(`${rig.server.url}/token`, { method: 'POST', headers, body: new URLSearchParams(params).toString() });
  await response.text();
  return response.status;
}

function created<T>(answer: { status: number; body: unknown }, status = 201): T {
  expect(answer.status, JSON.stringify(answer.body)).toBe(status);
  return answer.body as T;
}

it('says what to do while nothing has happened: no agents, no calls, no keys', async () => {
  const signedIn = await rig.signIn('auditor', '/migration');
  const { page } = signedIn;
  await expect.poll(() => page.getByText('No live API keys').isVisible(), { timeout: 30_000 }).toBe(true);
  await expect.poll(() => page.getByText('No calls to compare yet').isVisible()).toBe(true);
  expect(await page.getByText('give each legacy script a managed API key').isVisible()).toBe(true);
  await expectCleanPage(signedIn);
  await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Overview' }).click();
  await expect.poll(() => page.getByText('No agents are registered yet.').first().isVisible(), { timeout: 30_000 }).toBe(true);
  await signedIn.context.close();
}, 120_000);

describe('with tokens issued and refused, an API key and a cut-over rule', () => {
  let agent: { id: string; secret: string };
  let keyId: string;

  beforeAll(async () => {
    const made = created<{ agent: { id: string }; client_secret: string }>(
      await rig.admin('POST', '/agents', { name: 'billing-bot', owner: 'team-billing', scopes: ['invoices:read'], resources: [API], token_endpoint_auth_method: 'client_secret_basic', grant_types: ['client_credentials', TOKEN_EXCHANGE] }),
    );
    agent = { id: made.agent.id, secret: made.client_secret };
    const idle = created<{ agent: { id: string } }>(await rig.admin('POST', '/agents', { name: 'idle-bot', owner: 'team-billing' }));
    created(await rig.admin('POST', `/agents/${idle.agent.id}/suspend`, {}), 200);

    expect(await tokenRequest({ grant_type: 'client_credentials', resource: API }, agent)).toBe(200);
    expect(await tokenRequest({ grant_type: 'client_credentials', resource: API }, agent)).toBe(200);
    expect(await tokenRequest({ grant_type: 'client_credentials', resource: API }, { id: agent.id, secret: 'not-the-secret' })).toBe(401);

    const key = created<{ api_key: { id: string }; key: string }>(await rig.admin('POST', `/agents/${agent.id}/api-keys`, { ttl: 30 * 86_400 }));
    keyId = key.api_key.id;
    expect(await tokenRequest({ grant_type: TOKEN_EXCHANGE, subject_token: key.key, subject_token_type: API_KEY_TYPE, resource: API })).toBe(200);
    created(await rig.admin('POST', '/migration/cutover/rules', { scope: 'key', target: keyId, warn_from: new Date(Date.now() - 60_000).toISOString() }), 200);
  }, 60_000);

  it('overview: charts tokens issued and refused by reason, agents by status, anomalies, certificates and migration, in words too', async () => {
    const signedIn = await rig.signIn('auditor', '/');
    const { page } = signedIn;
    const tokens = page.getByRole('figure', { name: 'Tokens issued and refused, last 24 hours' });
    // Three tokens: two for the client secret, one for the API key; one refused for the wrong secret.
    await expect.poll(() => tokens.locator(CHART).getAttribute('aria-label'), { timeout: 30_000 }).toBe('Last 24 hours: 3 tokens issued, 1 refused (invalid_client 1).');
    await tokens.getByText('The numbers, per hour').click();
    // The requests took a moment: they may straddle the turn of an hour, so the rows are added up.
    const hours = await tokens.getByRole('table').getByRole('row').evaluateAll((rows) => rows.slice(1).map((row) => Array.from(row.querySelectorAll('td')).map((cell) => cell.textContent ?? '')));
    expect(hours.length).toBeGreaterThanOrEqual(1);
    for (const [hour] of hours) expect(hour).toMatch(/^\d\d:00 UTC$/);
    expect(hours.reduce((sum, [, issued]) => sum + Number(issued), 0)).toBe(3);
    expect(hours.reduce((sum, [, , refused]) => sum + Number(refused), 0)).toBe(1);
    expect(hours.map(([, , , reasons]) => reasons)).toContain('invalid_client 1');

    await expect.poll(() => page.getByRole('figure', { name: 'Agents by status' }).locator(CHART).getAttribute('aria-label')).toBe('Agents by status: 1 active, 1 suspended, 0 disabled.');
    const open = created<{ items: unknown[] }>(await rig.admin('GET', '/anomalies?state=open&limit=500'), 200).items.length;
    const anomalies = page.getByRole('region', { name: 'Open anomalies' });
    await expect.poll(() => anomalies.locator('.figure').textContent()).toBe(String(open));
    expect(await page.getByRole('region', { name: 'Certificates expiring within 7 days' }).getByText('No live certificate expires in the next week.').isVisible()).toBe(true);
    // Two token calls and one key call at the API in the last 30 days: 67% by tokens.
    const migration = page.getByRole('region', { name: 'API-key migration' });
    await expect.poll(() => migration.locator('.figure').textContent()).toBe('67%');
    expect(await migration.textContent()).toContain('2 with tokens, 1 with API keys');

    await page.getByLabel('Window').selectOption('7d');
    await expect.poll(() => page.getByRole('figure', { name: 'Tokens issued and refused, last 7 days' }).locator(CHART).getAttribute('aria-label')).toBe('Last 7 days: 3 tokens issued, 1 refused (invalid_client 1).');
    await page.getByLabel('Window').selectOption('24h');
    await expect.poll(() => tokens.isVisible()).toBe(true);
    await screenshot(page, 'console-overview.png');
    await expectCleanPage(signedIn);
    await signedIn.context.close();
  }, 120_000);

  it('audit: filters by agent and outcome, shows a record in full, verifies the chain and exports what it shows', async () => {
    const signedIn = await rig.signIn('auditor', '/audit');
    const { page } = signedIn;
    await expect.poll(() => page.getByRole('table', { name: 'Audit records' }).isVisible(), { timeout: 30_000 }).toBe(true);
    await page.getByLabel('Agent id').fill(agent.id);
    await page.getByLabel('Outcome').selectOption('failure');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect.poll(() => new URL(page.url()).search).toBe(`?agent_id=${agent.id}&outcome=failure`);
    const rows = page.getByRole('table', { name: 'Audit records' }).getByRole('row');
    await expect.poll(() => rows.count()).toBe(2);
    const row = rows.nth(1);
    expect(await row.getByRole('cell').nth(2).textContent()).toBe('client_authentication.failed');
    expect(await row.getByRole('cell').nth(3).textContent()).toBe('failure');
    expect(await row.getByRole('cell').nth(4).textContent()).toBe(agent.id);

    const [record] = created<{ items: { seq: number; hash: string; reason: string }[] }>(await rig.admin('GET', `/audit?agent_id=${agent.id}&outcome=failure`), 200).items;
    await row.getByRole('button', { name: `Details of record ${record?.seq}` }).click();
    const dialog = page.getByRole('dialog', { name: `Audit record ${record?.seq}: client_authentication.failed` });
    await expect.poll(() => dialog.isVisible()).toBe(true);
    expect(await dialog.textContent()).toContain(record?.hash);
    expect(await dialog.textContent()).toContain(record?.reason);
    await expectCleanPage(signedIn);
    await page.keyboard.press('Escape');
    await expect.poll(() => dialog.count()).toBe(0);

    // The auditor may verify the chain: a read, though it is a POST.
    await page.getByRole('button', { name: 'Verify the chain' }).click();
    await expect.poll(() => page.getByTestId('chain-status').textContent(), { timeout: 30_000 }).toMatch(/^Chain verified: \d+ records checked; the head is record \d+, hash [A-Za-z0-9_-]{43}\./);

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Export these records (NDJSON)' }).click()]);
    expect(download.suggestedFilename()).toBe('agentauth-audit.ndjson');
    const lines = (await readFile((await download.path()) as string, 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as { seq: number; agent_id: string; outcome: string });
    expect(lines.map((l) => l.seq)).toEqual([record?.seq]);
    expect(lines[0]).toMatchObject({ agent_id: agent.id, outcome: 'failure' });

    await screenshot(page, 'console-audit.png');
    await expectCleanPage(signedIn);
    await signedIn.context.close();
  }, 120_000);

  it('migration: charts keys against tokens per agent and resource, and shows each key\'s cut-over stage', async () => {
    const signedIn = await rig.signIn('operator', '/migration');
    const { page } = signedIn;
    const usage = page.getByRole('figure', { name: 'API keys and tokens over time' });
    await expect.poll(() => usage.locator(CHART).getAttribute('aria-label'), { timeout: 30_000 }).toMatch(/^Last 30d, all agents and resources: 1 call with API keys and 2 with tokens over (1 day|2 days)\.$/);
    await page.getByRole('combobox', { name: 'Agent and resource' }).selectOption({ label: `${agent.id} at ${API}` });
    await expect.poll(() => usage.locator(CHART).getAttribute('aria-label')).toMatch(new RegExp(`^Last 30d, ${agent.id} at https://invoices\\.example\\.com: 1 call with API keys and 2 with tokens over (1 day|2 days)\\.$`));
    const usageRow = usage.getByRole('table').getByRole('row').nth(1);
    expect(await usageRow.getByRole('cell').allTextContents()).toEqual([agent.id, API, '1', '0', '2', '33% with keys']);

    const stages = page.getByRole('figure', { name: 'Keys by cut-over stage' });
    expect(await stages.locator(CHART).getAttribute('aria-label')).toBe('Live API keys by cut-over stage now: 0 allowed, 1 warned, 0 blocked.');
    const keyRow = stages.getByRole('row', { name: new RegExp(keyId) });
    expect(await keyRow.getByRole('cell').nth(3).textContent()).toBe('warned');
    expect(await keyRow.getByRole('cell').nth(4).textContent()).toBe(`key ${keyId}`);
    expect(await stages.getByRole('listitem').first().textContent()).toContain(`key ${keyId}: warned now`);
    await screenshot(page, 'console-migration.png');
    await expectCleanPage(signedIn);
    await signedIn.context.close();
  }, 120_000);
  it('keeps the three pages usable on a narrow screen: nothing wider than the screen', async () => {
    const signedIn = await rig.signIn('admin', '/', { width: 390, height: 800 });
    const { page } = signedIn;
    const fits = () => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
    await expect.poll(() => page.locator(CHART).count(), { timeout: 30_000 }).toBe(2);
    await expect.poll(fits).toBe(true);
    await page.goto(`${rig.server.url}/console/migration`);
    await expect.poll(() => page.locator(CHART).count(), { timeout: 30_000 }).toBe(2);
    await expect.poll(fits).toBe(true);
    await expectCleanPage(signedIn);
    await page.goto(`${rig.server.url}/console/audit?agent_id=${agent.id}`);
    await expect.poll(() => page.getByRole('table', { name: 'Audit records' }).isVisible(), { timeout: 30_000 }).toBe(true);
    await expect.poll(fits).toBe(true);
    expect(await accessibilityViolations(page)).toEqual([]);
    await signedIn.context.close();
  }, 120_000);
});
