import { chromium, type Browser, type BrowserContext, type CDPSession, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startServerProcess, type ServerProcess } from './helpers/server-process.js';
import { docsScreenshot } from './helpers/docs-screenshot.js';

const BOOTSTRAP = 'passkey-browser-bootstrap-token-0123456789abcdef';
const PASSWORD = 'correct horse battery staple';

/**
 * Passkeys in a real browser: Chromium's own WebAuthn client, with an authenticator simulated by
 * the Chrome DevTools Protocol (a CTAP2 platform authenticator that keeps discoverable
 * credentials and verifies its user), against a real server process. The server's issuer is
 * `http://localhost:<port>`: a secure context to the browser, and a valid RP ID.
 */
describe('passkeys with a real browser against a real server process', () => {
  let server: ServerProcess;
  let origin: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let cdp: CDPSession;
  let authenticatorId: string;
  beforeAll(async () => {
    const port = await freePort();
    origin = `http://localhost:${port}`;
    server = await startServerProcess({ env: { AGENTAUTH_BOOTSTRAP_TOKEN: BOOTSTRAP, AGENTAUTH_PORT: String(port), AGENTAUTH_ISSUER: origin } });
    // localhost is the loopback the server listens on, whatever the machine's resolver says first.
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--host-resolver-rules=MAP localhost 127.0.0.1'] });
    context = await browser.newContext({ viewport: { width: 720, height: 720 } });
    page = await context.newPage();
    cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable', { enableUI: false });
    ({ authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
    }));
    const made = await fetch(`${server.url}/admin/v1/users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${BOOTSTRAP}`, 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'ada@example.com', name: 'Ada Lovelace', roles: ['admin'], password: PASSWORD }),
    });
    expect(made.status).toBe(201);
  }, 180_000);
  /** The audit records of one event, through the admin API. */
  async function auditOf(event: string): Promise<{ event: string; details: Record<string, unknown> }[]> {
    const answer = await fetch(`${server.url}/admin/v1/audit?event=${event}`, { headers: { authorization: `Bearer ${BOOTSTRAP}` } });
    return ((await answer.json()) as { items: { event: string; details: Record<string, unknown> }[] }).items;
  }
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('adds a passkey from the account page, signs out, and signs in with the passkey alone', async () => {
    const errors: string[] = [];
    // The browser's own request for /favicon.ico is the one 404 a page may cause.
    page.on('console', (message) => {
      if (message.type() === 'error' && !message.location().url.endsWith('/favicon.ico')) errors.push(message.text());
    });
    await page.goto(`${origin}/login`);
    await page.fill('#email', 'ada@example.com');
    await page.fill('#password', PASSWORD);
    await page.click('button[type=submit]');
    await expect.poll(() => new URL(page.url()).pathname).toBe('/account');

    await page.click('#passkeys');
    await expect.poll(() => new URL(page.url()).pathname).toBe('/account/passkeys');
    await page.fill('#passkey-name', 'Work laptop');
    await page.click('#passkey-register button');
    await expect.poll(() => page.url()).toBe(`${origin}/account/passkeys?done=added`);
    expect(await page.textContent('#passkey-list .name')).toBe('Work laptop');
    await docsScreenshot(page, 'passkeys.png');
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    expect(credentials).toHaveLength(1);
    expect(credentials[0]).toMatchObject({ isResidentCredential: true, rpId: 'localhost' });
    expect(Buffer.from(credentials[0]?.userHandle ?? '', 'base64').toString('utf8')).toMatch(/^usr_/);

    await page.goto(`${origin}/account`);
    await page.click('text=Sign out');
    await expect.poll(() => new URL(page.url()).pathname).toBe('/login');
    expect((await context.cookies()).find((c) => c.name === '__Host-agentauth-session')).toBeUndefined();

    await docsScreenshot(page, 'passkey-sign-in.png');
    await page.click('#passkey-sign-in button');
    await expect.poll(() => new URL(page.url()).pathname).toBe('/account');
    expect(await page.textContent('#who')).toBe('Ada Lovelace');
    const after = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    expect(after.credentials[0]?.signCount).toBeGreaterThan(0);
    expect(errors).toEqual([]);

    const credentialId = Buffer.from(credentials[0]?.credentialId ?? '', 'base64').toString('base64url');
    expect((await auditOf('passkey.registered'))[0]?.details).toMatchObject({ credential_id: credentialId, name: 'Work laptop' });
    expect((await auditOf('user_session.created')).find((r) => r.details['method'] === 'passkey')?.details).toMatchObject({ credential_id: credentialId });
  });

  it('shows a refusal when the authenticator cannot verify its user, and signs no one in', async () => {
    await cdp.send('WebAuthn.setUserVerified', { authenticatorId, isUserVerified: false });
    await page.goto(`${origin}/account`);
    await page.click('text=Sign out');
    await expect.poll(() => new URL(page.url()).pathname).toBe('/login');
    await page.click('#passkey-sign-in button');
    // Chromium refuses to return an assertion without UV when UV is required; a response without it would be refused by the server.
    await expect.poll(async () => (await page.isVisible('#passkey-error')) || (await page.content()).includes('this account cannot sign in now')).toBe(true);
    expect(new URL(page.url()).pathname).not.toBe('/account');
    expect((await context.cookies()).find((c) => c.name === '__Host-agentauth-session')).toBeUndefined();
  });
});
