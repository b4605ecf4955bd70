import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerAgentOverHttp } from '../../cli/test/helpers/http-agent.js';
import { BOOTSTRAP, expectCleanPage, screenshot, startConsoleRig, type ConsoleRig } from './support/console-browser.js';
import { auditOf, callAsPerson, expectAnswered, personId } from './support/console-people.js';

const BROKEN = '@id("no-scope-a")\n@description("Scope a is retired")\nforbid (principal, action == Action::"issue_token", resource)\nwhenn { context.scope == "a" };';
const FIXED = BROKEN.replace('whenn', 'when');

let rig: ConsoleRig;
let agentId: string;
beforeAll(async () => {
  rig = await startConsoleRig();
  // History for the dry run: one agent got scope `a` twice through the real token endpoint.
  const agent = await registerAgentOverHttp(rig.server.url, BOOTSTRAP, 'report-bot');
  agentId = agent.id;
  for (let i = 0; i < 2; i += 1) {
    const response = await fetch(`${rig.server.url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'a', client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: await agent.assertion() }).toString(),
    });
    expect(response.status).toBe(200);
  }
}, 180_000);
afterAll(async () => {
  await rig?.close();
});

describe('the policies page', () => {
  it('an admin writes a policy, sees a validation error while typing, fixes it, dry-runs it against history, applies it and sees the version', async () => {
    const signedIn = await rig.signIn('admin', '/policies');
    const { page } = signedIn;
    await expect.poll(() => page.getByText('is in force').first().textContent()).toContain('Version 0');
    expect(await page.getByRole('cell', { name: 'allow-list', exact: true }).count()).toBe(1);

    const editor = page.getByRole('textbox', { name: 'Cedar policies' });
    await editor.fill(BROKEN.slice(0, BROKEN.length - 20));
    await editor.pressSequentially(BROKEN.slice(BROKEN.length - 20));
    const problems = page.getByRole('list', { name: 'Problems in the policies' });
    await expect.poll(() => problems.getByRole('listitem').count(), { timeout: 15_000 }).toBeGreaterThan(0);
    expect(await problems.getByRole('listitem').first().textContent()).toMatch(/^Line 4, column \d+: /);
    expect(await editor.getAttribute('aria-describedby')).toContain('policy-problems');
    expect(await editor.getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByRole('button', { name: 'Apply…' }).isDisabled()).toBe(true);

    await editor.fill(FIXED);
    await expect.poll(() => page.locator('#policy-status').textContent(), { timeout: 15_000 }).toBe('Valid: no-scope-a.');
    expect(await problems.getByRole('listitem').count()).toBe(0);

    await page.getByRole('button', { name: 'Dry run' }).click();
    const result = page.getByRole('region', { name: 'Dry run result' });
    await expect.poll(() => result.getByRole('status').textContent(), { timeout: 30_000 }).toMatch(/^2 past requests would change, of \d+ decisions replayed/);
    expect(await result.getByRole('row', { name: new RegExp(agentId) }).textContent()).toContain('allowed, would be denied');
    await screenshot(page, 'console-policies.png');

    await page.getByRole('button', { name: 'Apply…' }).click();
    const dialog = page.getByRole('alertdialog');
    expect(await dialog.getByRole('heading').textContent()).toBe('Apply these policies?');
    await dialog.getByLabel('Comment (kept with the version)').fill('retire scope a');
    await dialog.getByRole('button', { name: 'Apply', exact: true }).click();
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'Applied' }).textContent()).toBe('Applied as version 1: added no-scope-a.');
    await expect.poll(() => page.getByText('is in force').first().textContent()).toContain('Version 1');
    const adminId = await personId(rig, 'admin');
    const history = page.getByRole('table', { name: 'Version history' });
    expect(await history.getByRole('row', { name: /retire scope a/ }).textContent()).toContain(`user:${adminId}`);
    await history.getByRole('button', { name: 'Show version 1' }).click();
    await expect.poll(() => page.getByRole('region', { name: 'Version 1' }).textContent()).toContain('context.scope == "a"');

    // The change is in force, and audited with the person as the actor.
    const listed = (await rig.admin('GET', '/policies')).body as { version: number; items: { id: string }[] };
    expect(listed.version).toBe(1);
    expect(listed.items.map((p) => p.id)).toContain('no-scope-a');
    const applied = await auditOf(rig, 'policy_set.applied');
    expect(applied.at(-1)).toMatchObject({ actor: `user:${adminId}` });
    expectAnswered(signedIn, 422);
    await expectCleanPage(signedIn);
    await signedIn.context.close();
  });

  it('an operator and an auditor read the policies and history, with no editor or Apply; the API refuses them', async () => {
    for (const role of ['operator', 'auditor'] as const) {
      const signedIn = await rig.signIn(role, '/policies');
      const { page } = signedIn;
      await expect.poll(() => page.getByRole('table', { name: 'In force' }).getByRole('row').count()).toBeGreaterThan(1);
      expect(await page.getByText('Only admins change policies').count()).toBe(1);
      expect(await page.getByRole('textbox', { name: 'Cedar policies' }).count()).toBe(0);
      expect(await page.getByRole('button', { name: /Apply/ }).count()).toBe(0);
      expect(await page.getByRole('button', { name: /^Edit / }).count()).toBe(0);
      expect(await page.getByRole('table', { name: 'Version history' }).getByRole('row').count()).toBeGreaterThan(1);
      expect(await callAsPerson(page, 'POST', '/admin/v1/policies/apply', { source: FIXED.replace('no-scope-a', 'sneaky') })).toBe(403);
      expectAnswered(signedIn, 403);
      await expectCleanPage(signedIn);
      await signedIn.context.close();
    }
  });
});
