import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, startServerProcess, type ServerProcess } from './helpers/server-process.js';
import { docsScreenshot } from './helpers/docs-screenshot.js';

const BOOTSTRAP = 'people-browser-bootstrap-token-0123456789abcdef';
const PASSWORD = 'correct horse battery staple';

/** `agentauth ...` as a person types it, the password piped to standard input. */
function cli(server: ServerProcess, args: string[], stdin: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('node', [CLI, ...args], { env: { ...process.env, AGENTAUTH_URL: server.url, AGENTAUTH_ADMIN_TOKEN: BOOTSTRAP }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

/** RFC 4648 base32 to bytes, and an RFC 6238 code (SHA-1, 6 digits, 30 s): written here apart from the server's, as an authenticator app would. */
function totp(base32: string, stepOffset: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of base32) bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  const key = Buffer.from((bits.match(/.{8}/g) ?? []).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 30_000) + stepOffset));
  const mac = createHmac('sha1', key).update(counter).digest();
  const offset = (mac[19] ?? 0) & 0x0f;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}

async function signInWithPassword(page: Page, url: string, email: string): Promise<void> {
  await page.goto(`${url}/login`);
  await page.fill('#email', email);
  await page.fill('#password', PASSWORD);
  await page.click('button[type=submit]');
}

describe('people sign in with a real browser against a real server process', () => {
  let server: ServerProcess;
  let browser: Browser;
  let context: BrowserContext;
  beforeAll(async () => {
    server = await startServerProcess({ env: { AGENTAUTH_BOOTSTRAP_TOKEN: BOOTSTRAP } });
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
    context = await browser.newContext({ viewport: { width: 720, height: 640 } });
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('makes the first admin with the bootstrap token through the CLI, the password on standard input', async () => {
    const made = await cli(server, ['users', 'create', '--email', 'ada@example.com', '--name', 'Ada Admin', '--role', 'admin', '--password-stdin', '--json'], `${PASSWORD}\n`);
    expect(made.stderr).toBe('');
    expect(JSON.parse(made.stdout)).toMatchObject({ email: 'ada@example.com', roles: ['admin'], password_set: true });
    const auditor = await cli(server, ['users', 'create', '--email', 'audrey@example.com', '--name', 'Audrey Auditor', '--role', 'auditor', '--password-stdin'], PASSWORD);
    expect(auditor.status).toBe(0);
    const listed = await cli(server, ['users', 'list'], '');
    expect(listed.stdout).toMatch(/ada@example\.com\s+Ada Admin\s+admin\s+active\s+off/);
  });

  it('signs in with a password, enrols TOTP, signs out, and signs in with password and TOTP', async () => {
    const page = await context.newPage();
    await page.goto(`${server.url}/login`);
    await docsScreenshot(page, 'sign-in.png');
    await signInWithPassword(page, server.url, 'ada@example.com');
    await expect.poll(() => new URL(page.url()).pathname).toBe('/account');
    expect(await page.textContent('#who')).toBe('Ada Admin');

    await page.click('a[href="/account/totp"]');
    const secret = (await page.textContent('#secret')) ?? '';
    expect(await page.getAttribute('#otpauth', 'href')).toMatch(/^otpauth:\/\/totp\/agentauth%20127\.0\.0\.1:ada%40example\.com\?secret=[A-Z2-7]{32}&issuer=agentauth%20127\.0\.0\.1&algorithm=SHA1&digits=6&period=30$/);
    await docsScreenshot(page, 'totp-enrolment.png');
    await page.fill('#code', totp(secret, 0));
    await page.click('button[type=submit]');
    await expect.poll(() => page.url()).toBe(`${server.url}/account?totp=on`);

    await page.click('text=Sign out');
    await expect.poll(() => new URL(page.url()).pathname).toBe('/login');
    await signInWithPassword(page, server.url, 'ada@example.com');
    await expect.poll(() => new URL(page.url()).pathname).toBe('/login/totp');
    await docsScreenshot(page, 'totp-code.png');
    // The enrolment spent the current step; the next one is within the one step of drift allowed.
    await page.fill('#code', totp(secret, 1));
    await page.click('button[type=submit]');
    await expect.poll(() => new URL(page.url()).pathname).toBe('/account');
    await docsScreenshot(page, 'signed-in.png');

    const session = (await context.cookies()).find((c) => c.name === '__Host-agentauth-session');
    expect(session).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Lax', path: '/', domain: '127.0.0.1', expires: -1 });
  });

  it('calls the admin API with the session; an auditor is refused an unsafe request; signing out ends it', async () => {
    const page = context.pages()[0] as Page;
    const agents = await page.request.get(`${server.url}/admin/v1/agents`);
    expect(agents.status()).toBe(200);

    const auditorContext = await browser.newContext();
    const auditor = await auditorContext.newPage();
    await signInWithPassword(auditor, server.url, 'audrey@example.com');
    await expect.poll(() => new URL(auditor.url()).pathname).toBe('/account');
    const csrf = (await auditor.getAttribute('meta[name="csrf-token"]', 'content')) ?? '';
    expect((await auditor.request.get(`${server.url}/admin/v1/audit?limit=5`)).status()).toBe(200);
    const refused = await auditor.request.post(`${server.url}/admin/v1/agents`, {
      headers: { 'x-csrf-token': csrf, 'content-type': 'application/json' },
      data: { name: 'nope', owner: 'team', scopes: ['a:b'], resources: ['https://api.example.com'] },
    });
    expect(refused.status()).toBe(403);
    expect(await refused.json()).toMatchObject({ code: 'forbidden' });
    await auditorContext.close();

    await page.goto(`${server.url}/account`);
    await page.click('text=Sign out');
    await expect.poll(() => new URL(page.url()).pathname).toBe('/login');
    expect((await context.cookies()).find((c) => c.name === '__Host-agentauth-session')).toBeUndefined();
    expect((await page.request.get(`${server.url}/admin/v1/agents`)).status()).toBe(401);

    const audit = await cli(server, ['audit', 'tail', '--lines', '500', '--json'], '');
    const events = audit.stdout.trim().split('\n').map((line) => (JSON.parse(line) as { event: string }).event);
    expect(events).toEqual(expect.arrayContaining(['user.created', 'user_session.created', 'user.totp_enrolled', 'user_login.password_accepted', 'user_session.ended', 'admin_request.denied']));
  });
});
