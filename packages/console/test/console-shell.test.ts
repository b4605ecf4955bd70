import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectCleanPage, screenshot, startConsoleRig, type ConsoleRig } from './support/console-browser.js';

const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

let rig: ConsoleRig;
beforeAll(async () => {
  rig = await startConsoleRig();
}, 180_000);
afterAll(async () => {
  await rig?.close();
});

describe('the console shell, served by the server at /console', () => {
  it('serves the app under a strict CSP, the hashed assets immutable, and the session only to a signed-in person', async () => {
    const index = await fetch(`${rig.server.url}/console/agents/agt_anything`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-security-policy')).toBe(CSP);
    expect(index.headers.get('cache-control')).toBe('no-store');
    expect(index.headers.get('x-frame-options')).toBe('DENY');
    const html = await index.text();
    // No inline script: every <script> has a src on our origin.
    expect(html.match(/<script[^>]*>/g)?.every((tag) => / src="\/console\/assets\/[^"]+\.js"/.test(tag))).toBe(true);
    const script = html.match(/src="(\/console\/assets\/[^"]+\.js)"/)?.[1] ?? '';
    const asset = await fetch(`${rig.server.url}${script}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect((await fetch(`${rig.server.url}/console/assets/..%2f..%2fpackage.json`)).status).toBe(404);

    const anonymous = await fetch(`${rig.server.url}/console/api/session`, { headers: { origin: 'https://evil.example' } });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('sends a person who is not signed in to sign in and back; shows who they are; keeps nothing in web storage', async () => {
    const signedIn = await rig.signIn('auditor', '/');
    const { page } = signedIn;
    expect(await page.textContent('#signed-in-as')).toBe('Auditor Person');
    await expect.poll(() => page.locator('main h1').textContent()).toBe('Overview');
    const session = (await signedIn.context.cookies()).find((c) => c.name === '__Host-agentauth-session');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
    expect(await page.evaluate(() => [window.localStorage.length, window.sessionStorage.length])).toEqual([0, 0]);
    await expectCleanPage(signedIn);
    await signedIn.context.close();
  });

  it('works with the keyboard: the skip link reaches the content, links move between pages, focus follows', async () => {
    const signedIn = await rig.signIn('operator', '/');
    const { page } = signedIn;
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('main');

    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Audit' }).focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => new URL(page.url()).pathname).toBe('/console/audit');
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('main');
    expect(await page.getByRole('link', { name: 'Audit' }).getAttribute('aria-current')).toBe('page');
    await page.goBack();
    await expect.poll(() => new URL(page.url()).pathname).toBe('/console');
    await page.goto(`${rig.server.url}/console/no-such-page`);
    await expect.poll(() => page.locator('main h1').textContent()).toBe('Page not found');
    await expectCleanPage(signedIn);
    await signedIn.context.close();
  });

  it('keeps a narrow layout usable: every page reachable, nothing wider than the screen', async () => {
    const signedIn = await rig.signIn('admin', '/', { width: 390, height: 800 });
    const { page } = signedIn;
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    await page.getByRole('link', { name: 'Keys and CA' }).click();
    await expect.poll(() => new URL(page.url()).pathname).toBe('/console/keys');
    await screenshot(page, 'console-narrow.png');
    await expectCleanPage(signedIn);
    await signedIn.context.close();
  });

  it('signs out with the session CSRF token; the console then sends to sign-in again', async () => {
    const signedIn = await rig.signIn('admin', '/');
    const { page } = signedIn;
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect.poll(() => new URL(page.url()).pathname).toBe('/login');
    await page.goto(`${rig.server.url}/console`);
    await expect.poll(() => new URL(page.url()).pathname).toBe('/login');
    expect(new URL(page.url()).searchParams.get('return_to')).toBe('/console');
    await signedIn.context.close();
  });
});
