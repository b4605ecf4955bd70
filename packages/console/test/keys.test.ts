import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectCleanPage, screenshot, startConsoleRig, type ConsoleRig } from './support/console-browser.js';

interface AuditRecord {
  event: string;
  actor: string | null;
  outcome: string;
}

let rig: ConsoleRig;
let adminId: string;
beforeAll(async () => {
  rig = await startConsoleRig();
  const users = (await rig.admin('GET', '/users')).body as { items: { id: string; email: string }[] };
  adminId = users.items.find((u) => u.email === 'admin@example.com')?.id ?? '';
}, 180_000);
afterAll(async () => {
  await rig?.close();
});

describe('the keys and CA page', () => {
  it('shows the signing keys in their slots, the next rotation, the CA hierarchy and its CRL', async () => {
    const signedIn = await rig.signIn('auditor', '/keys');
    const { page } = signedIn;
    const keys = page.getByRole('table', { name: 'Signing keys' });
    await expect.poll(() => keys.getByRole('row').count()).toBe(3);
    const kids = ((await rig.admin('GET', '/keys')).body as { items: { kid: string; state: string }[] }).items;
    for (const key of kids) await expect.poll(() => keys.getByRole('row', { name: new RegExp(key.kid) }).getByText(key.state, { exact: true }).count()).toBe(1);
    const schedule = (await rig.admin('GET', '/keys/schedule')).body as { next_rotation_at: string };
    expect(await page.textContent('#next-rotation')).toBe(await page.evaluate((iso) => new Date(iso).toLocaleString(), schedule.next_rotation_at));

    const tree = page.getByRole('list', { name: 'CA hierarchy' });
    expect(await tree.getByText(/^Root:/).count()).toBe(1);
    expect(await tree.getByText(/^Issuing CA:/).count()).toBe(1);
    const crl = page.getByRole('table', { name: 'Certificate revocation lists' });
    await expect.poll(() => crl.getByRole('row').count()).toBe(2);

    // An auditor reads: no rotation is offered, and the admin API refuses it anyway.
    expect(await page.getByRole('button', { name: /Rotate/ }).count()).toBe(0);
    const csrf = await page.evaluate(async () => ((await (await fetch('/console/api/session')).json()) as { csrf_token: string }).csrf_token);
    const refused = await page.request.post(`${rig.server.url}/admin/v1/ca/rotate`, { headers: { 'x-csrf-token': csrf } });
    expect(refused.status()).toBe(403);
    await expectCleanPage(signedIn);
    await signedIn.context.close();
  });

  it('lets an admin rotate the issuing CA with confirmation, audited with their name; a too-early key rotation says why', async () => {
    const signedIn = await rig.signIn('admin', '/keys');
    const { page } = signedIn;
    const before = ((await rig.admin('GET', '/ca')).body as { active_id: string }).active_id;
    await page.getByRole('button', { name: 'Rotate issuing CA' }).click();
    const dialog = page.getByRole('alertdialog', { name: 'Rotate the issuing CA?' });
    await expect.poll(() => dialog.isVisible()).toBe(true);
    await screenshot(page, 'console-keys-confirm.png');
    await dialog.getByRole('button', { name: 'Rotate' }).click();
    await expect.poll(() => page.getByRole('status').first().textContent()).toMatch(/^Rotated: issuing CA \S+ is active now\.$/);
    const after = ((await rig.admin('GET', '/ca')).body as { active_id: string }).active_id;
    expect(after).not.toBe(before);
    await expect.poll(() => page.getByRole('list', { name: 'CA hierarchy' }).getByText(/^Issuing CA:/).count()).toBe(2);
    const audit = ((await rig.admin('GET', '/audit?event=ca.rotated')).body as { items: AuditRecord[] }).items;
    expect(audit).toContainEqual(expect.objectContaining({ event: 'ca.rotated', actor: `user:${adminId}`, outcome: 'success' }));

    // The prepared signing key was published moments ago: rotating now would outrun relying parties' caches.
    await page.getByRole('button', { name: 'Rotate signing key now' }).click();
    await page.getByRole('alertdialog', { name: 'Rotate the signing key?' }).getByRole('button', { name: 'Rotate' }).click();
    await expect.poll(() => page.getByRole('alert').first().textContent()).toMatch(/^Not rotated: .+\(rotation_too_soon\)$/);
    await screenshot(page, 'console-keys.png');
    await expectCleanPage(signedIn, [409]);
    await signedIn.context.close();
  });
});
