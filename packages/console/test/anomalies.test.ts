import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectCleanPage, screenshot, startConsoleRig, type ConsoleRig } from './support/console-browser.js';
import { auditOf, callAsPerson, expectAnswered, personId } from './support/console-people.js';

const HOUR = 3_600_000;
/** libfaketime (Debian's `faketime` package): the server process's clock, moved by a file. */
const LIBFAKETIME = '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1';

interface Anomaly {
  id: string;
  agent_id: string;
  detector: string;
  severity: string;
  state: string;
  acknowledged_by: string | null;
  resolved_by: string | null;
  note: string | null;
}

/** Polls `read` until it gives a value `ok` accepts, within `timeoutMs` (beforeAll has no expect.poll). */
async function until<T>(read: () => Promise<T>, ok: (value: T) => boolean, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

let rig: ConsoleRig;
let clockFile: string;
let agentId: string;
let anomaly: Anomaly;

/**
 * A real anomaly from real traffic: the agent gets a token, the server's clock then moves two
 * hours on (past the one-hour learning period) through libfaketime, and the agent asks for a scope
 * it was never given a dozen times: the refusal_spike detector raises a high anomaly, and the
 * anomaly response suspends the agent.
 */
beforeAll(async () => {
  if (!existsSync(LIBFAKETIME)) throw new Error(`${LIBFAKETIME} is missing: install Debian's faketime package (apt-get install faketime)`);
  const dir = mkdtempSync(join(tmpdir(), 'agentauth-console-clock-'));
  clockFile = join(dir, 'offset');
  writeFileSync(clockFile, '+0');
  rig = await startConsoleRig({
    AGENTAUTH_ANOMALY_DETECTION: 'true',
    AGENTAUTH_ANOMALY_LEARNING_PERIOD: '3600',
    AGENTAUTH_ANOMALY_SUSPEND_SEVERITY: 'high',
    LD_PRELOAD: LIBFAKETIME,
    FAKETIME_TIMESTAMP_FILE: clockFile,
    FAKETIME_CACHE_DURATION: '1',
    FAKETIME_DONT_FAKE_MONOTONIC: '1',
  });
  const keys = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(keys.publicKey)), kid: 'k1', alg: 'ES256' };
  const created = await rig.admin('POST', '/agents', { name: 'probe-bot', owner: 'team', scopes: ['reports:read'], resources: ['https://api.example.com'], jwks: { keys: [jwk] } });
  agentId = (created.body as { agent: { id: string } }).agent.id;
  const token = async (scope: string, offsetMs: number) => {
    const iat = Math.floor((Date.now() + offsetMs) / 1000);
    const assertion = await new SignJWT({ iss: agentId, sub: agentId, aud: rig.server.url, jti: crypto.randomUUID(), iat, exp: iat + 60 }).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).sign(keys.privateKey as CryptoKey);
    const response = await fetch(`${rig.server.url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope, client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: assertion }).toString(),
    });
    return response.status;
  };
  expect(await token('reports:read', 0)).toBe(200);
  writeFileSync(clockFile, '+2h');
  // The server's clock, as its Date header tells it, has moved on.
  await until(async () => Date.parse((await fetch(`${rig.server.url}/readyz`)).headers.get('date') ?? '') - Date.now(), (skew) => skew > HOUR, "the server's clock to move");
  // Refused (400 invalid_scope) until the spike suspends the agent; then its authentication fails (401).
  const answers: number[] = [];
  for (let i = 0; i < 15 && answers.at(-1) !== 401; i += 1) answers.push(await token('payments:write', 2 * HOUR));
  expect(answers.filter((status) => status === 400).length).toBeGreaterThanOrEqual(10);
  const found = await until(
    async () => ((await rig.admin('GET', `/anomalies?agent_id=${agentId}`)).body as { items: Anomaly[] }).items.find((a) => a.detector === 'refusal_spike'),
    (a) => a !== undefined,
    'the refusal_spike anomaly',
  );
  anomaly = found as Anomaly;
  await until(async () => ((await rig.admin('GET', `/agents/${agentId}`)).body as { status: string }).status, (s) => s === 'suspended', 'the suspension');
}, 240_000);
afterAll(async () => {
  await rig?.close();
});

describe('the anomalies page', () => {
  it('an operator reads the evidence, acknowledges, then resolves the anomaly; the suspended agent is listed with the reason', async () => {
    expect(anomaly).toMatchObject({ severity: 'high', state: 'open' });
    const signedIn = await rig.signIn('operator', '/anomalies');
    const { page } = signedIn;
    await page.getByLabel('State').selectOption('open');
    await expect.poll(() => new URL(page.url()).search).toBe('?state=open');
    const table = page.getByRole('table', { name: 'Anomalies' });
    const row = table.getByRole('row').filter({ hasText: 'refusal_spike' });
    await expect.poll(() => row.count()).toBe(1);
    expect(await row.textContent()).toContain('high');

    const suspended = page.getByRole('table', { name: 'Suspended agents' }).getByRole('row').filter({ hasText: 'probe-bot' });
    await expect.poll(() => suspended.textContent()).toContain('the anomaly response');
    expect(await suspended.textContent()).toContain(anomaly.id);
    expect(await suspended.getByRole('link', { name: 'probe-bot' }).getAttribute('href')).toBe(`/console/agents/${agentId}`);

    await row.getByRole('button', { name: `Evidence of ${anomaly.id}` }).click();
    const evidence = page.getByRole('region', { name: `Evidence of ${anomaly.id}` });
    await expect.poll(() => evidence.textContent()).toContain('refused requests');
    await screenshot(page, 'console-anomalies.png');
    await expectCleanPage(signedIn);

    await row.getByRole('button', { name: 'Acknowledge…' }).click();
    await page.getByRole('alertdialog').getByLabel('Note (kept in the audit log)').fill('looking at the probe');
    await page.getByRole('alertdialog').getByRole('button', { name: 'Acknowledge', exact: true }).click();
    await expect.poll(() => page.getByRole('status').filter({ hasText: `Acknowledged ${anomaly.id}` }).count()).toBe(1);
    // No longer open: it leaves the filtered list, and every state shows it acknowledged.
    await expect.poll(() => row.count()).toBe(0);
    await page.getByLabel('State').selectOption('');
    const any = page.getByRole('table', { name: 'Anomalies' }).getByRole('row').filter({ hasText: 'refusal_spike' });
    await expect.poll(() => any.textContent()).toContain('acknowledged');

    await any.getByRole('button', { name: 'Resolve…' }).click();
    const dialog = page.getByRole('alertdialog');
    expect(await dialog.getByRole('button', { name: 'Resolve', exact: true }).isDisabled()).toBe(true);
    await dialog.getByLabel('Note: what was found (kept in the audit log)').fill('a misconfigured job, fixed');
    await dialog.getByRole('button', { name: 'Resolve', exact: true }).click();
    await expect.poll(() => any.textContent()).toContain('resolved');
    expect(await any.getByRole('button', { name: /Acknowledge|Resolve/ }).count()).toBe(0);

    const operatorId = await personId(rig, 'operator');
    const stored = (await rig.admin('GET', `/anomalies/${anomaly.id}`)).body as Anomaly;
    expect(stored).toMatchObject({ state: 'resolved', acknowledged_by: `user:${operatorId}`, resolved_by: `user:${operatorId}`, note: 'a misconfigured job, fixed' });
    expect((await auditOf(rig, 'anomaly.acknowledged')).at(-1)).toMatchObject({ actor: `user:${operatorId}`, agent_id: agentId });
    expect((await auditOf(rig, 'anomaly.resolved')).at(-1)).toMatchObject({ actor: `user:${operatorId}`, agent_id: agentId });
    await expectCleanPage(signedIn);
    await signedIn.context.close();
  });

  it('an auditor reads anomalies and evidence with no buttons to change them; the API refuses', async () => {
    const signedIn = await rig.signIn('auditor', '/anomalies');
    const { page } = signedIn;
    const row = page.getByRole('table', { name: 'Anomalies' }).getByRole('row').filter({ hasText: 'refusal_spike' });
    await expect.poll(() => row.count()).toBe(1);
    expect(await page.getByRole('button', { name: /Acknowledge|Resolve/ }).count()).toBe(0);
    await row.getByRole('button', { name: `Evidence of ${anomaly.id}` }).click();
    await expect.poll(() => page.getByRole('region', { name: `Evidence of ${anomaly.id}` }).textContent()).toContain('refused requests');
    expect(await callAsPerson(page, 'POST', `/admin/v1/anomalies/${anomaly.id}/acknowledge`, {})).toBe(403);
    expectAnswered(signedIn, 403);
    await expectCleanPage(signedIn);
    await signedIn.context.close();
  });
});
