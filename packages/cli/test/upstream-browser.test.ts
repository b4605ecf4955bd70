import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, startServerProcess, type ServerProcess } from './helpers/server-process.js';
import { docsScreenshot } from './helpers/docs-screenshot.js';

const BOOTSTRAP = 'upstream-browser-bootstrap-token-0123456789abcdef';
const CLIENT_SECRET = 'company-idp-client-secret-0123456789';

/** The company's people as its IdP knows them. */
const ACCOUNTS: Record<string, { email: string; name: string; groups: string[] }> = {
  grace: { email: 'grace@corp.example', name: 'Grace Hopper', groups: ['platform-admins', 'everyone'] },
};

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

describe('sign-in through the company IdP (oidc-provider) in a real browser, against a real server process', () => {
  let server: ServerProcess;
  let idp: Server;
  let issuer: string;
  let browser: Browser;

  beforeAll(async () => {
    server = await startServerProcess({ env: { AGENTAUTH_BOOTSTRAP_TOKEN: BOOTSTRAP, AGENTAUTH_LOGIN_PROVIDERS_ALLOW_PRIVATE_NETWORKS: 'true' } });
    idp = createServer();
    await new Promise<void>((resolve) => idp.listen(0, '127.0.0.1', resolve));
    issuer = `http://127.0.0.1:${(idp.address() as AddressInfo).port}`;
    const provider = new Provider(issuer, {
      clients: [{ client_id: 'agentauth', client_secret: CLIENT_SECRET, redirect_uris: [`${server.url}/login/oidc/corp/callback`], grant_types: ['authorization_code'], response_types: ['code'], token_endpoint_auth_method: 'client_secret_basic' }],
      // The dev interactions take any login name: the account is the name typed.
      findAccount: (_ctx, id) => {
        const account = ACCOUNTS[id];
        return account === undefined ? undefined : { accountId: id, claims: () => ({ sub: id, email: account.email, email_verified: true, name: account.name, groups: account.groups }) };
      },
      claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'], groups: ['groups'] },
      // The claims of the scopes asked for go in the ID token, which is where agentauth reads them.
      conformIdTokenClaims: false,
      features: { devInteractions: { enabled: true } },
      cookies: { keys: ['company-idp-cookie-key-for-tests'] },
    });
    idp.on('request', provider.callback());
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await new Promise<void>((resolve) => (idp === undefined ? resolve() : idp.close(() => resolve())));
  });

  it('an admin adds the IdP through the CLI, the client secret on standard input and never shown again', async () => {
    const made = await cli(
      server,
      ['login-providers', 'create', 'corp', '--name', 'Corp SSO', '--issuer', issuer, '--client-id', 'agentauth', '--client-secret-stdin', '--scope', 'email', '--scope', 'profile', '--scope', 'groups', '--groups-claim', 'groups', '--group-role', 'platform-admins=admin', '--allowed-domain', 'corp.example', '--just-in-time', 'on', '--json'],
      `${CLIENT_SECRET}\n`,
    );
    expect(made.stderr).toBe('');
    expect(JSON.parse(made.stdout)).toMatchObject({ id: 'corp', client_secret_set: true, redirect_uri: `${server.url}/login/oidc/corp/callback`, group_roles: { 'platform-admins': ['admin'] }, just_in_time: true });
    const shown = await cli(server, ['login-providers', 'show', 'corp'], '');
    expect(shown.stdout).toMatch(/client secret:\s+set/);
    expect(shown.stdout + made.stdout).not.toContain(CLIENT_SECRET);
    expect((await cli(server, ['login-providers', 'list'], '')).stdout).toMatch(/corp\s+Corp SSO\s+http:\/\/127\.0\.0\.1:\d+\s+on/);
  });

  it('a new person signs in through the IdP and lands signed in with the roles their groups map to', async () => {
    const context = await browser.newContext({ viewport: { width: 720, height: 640 } });
    const page = await context.newPage();
    await page.goto(`${server.url}/login`);
    await docsScreenshot(page, 'upstream-sign-in.png');
    await page.click('text=Sign in with Corp SSO');
    await expect.poll(() => page.url()).toContain(`${issuer}/interaction/`);
    await page.fill('input[name=login]', 'grace');
    await page.fill('input[name=password]', 'any password: the IdP decides');
    await docsScreenshot(page, 'upstream-idp-login.png');
    await page.click('button[type=submit]');
    // The IdP asks once whether agentauth may have the claims.
    await page.click('button:has-text("Continue")');
    await expect.poll(() => page.url()).toBe(`${server.url}/account`);
    expect(await page.textContent('#who')).toBe('Grace Hopper');
    expect(await page.textContent('#roles')).toBe('admin');
    await docsScreenshot(page, 'upstream-signed-in.png');
    // The session is the same as a local sign-in's, and opens the admin API with the mapped role.
    expect((await page.request.get(`${server.url}/admin/v1/users`)).status()).toBe(200);
    expect((await context.cookies()).find((c) => c.name === '__Host-agentauth-oidc-state')).toBeUndefined();
    await context.close();

    const users = JSON.parse((await cli(server, ['users', 'list', '--json'], '')).stdout) as { items: { email: string; groups: string[]; roles: string[]; password_set: boolean }[] };
    expect(users.items).toEqual([expect.objectContaining({ email: 'grace@corp.example', groups: ['everyone', 'platform-admins'], roles: ['admin'], password_set: false })]);
    const audit = await cli(server, ['audit', 'tail', '--lines', '200', '--json'], '');
    const records = audit.stdout.trim().split('\n').map((line) => JSON.parse(line) as { event: string; actor: string | null; details: Record<string, unknown> });
    expect(records.find((r) => r.event === 'user.created')).toMatchObject({ actor: 'login_provider:corp', details: { provider_id: 'corp', email: 'grace@corp.example' } });
    expect(records.find((r) => r.event === 'user_session.created')).toMatchObject({ details: { provider_id: 'corp', sub: 'grace' } });
    expect(audit.stdout).not.toContain(CLIENT_SECRET);
  });
});
