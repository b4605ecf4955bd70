import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { decodeJwt, exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startServerProcess, type ServerProcess } from './helpers/server-process.js';
import { docsScreenshot } from './helpers/docs-screenshot.js';

const BOOTSTRAP = 'delegation-browser-bootstrap-token-0123456789abcdef';
const PASSWORD = 'correct horse battery staple';
const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS_TOKEN = 'urn:ietf:params:oauth:token-type:access_token';

/**
 * Agents acting for a person (docs/people.md, "Agents acting for you"), end to end against a real
 * server process: a person signs in and authorizes an application in Chromium; an agent exchanges
 * the person's token (RFC 8693, private_key_jwt); the person sees the agent on their account page
 * and revokes it; the agent's token is then inactive (RFC 7662) and its next exchange refused.
 */
describe('a person revokes an agent acting for them, in a real browser', () => {
  let server: ServerProcess;
  let browser: Browser;
  let resource: string;
  let agent: { id: string; key: CryptoKey };
  let inspector: { id: string; key: CryptoKey };

  const admin = (path: string, body: unknown) =>
    fetch(`${server.url}/admin/v1${path}`, { method: 'POST', headers: { authorization: `Bearer ${BOOTSTRAP}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });

  async function registerAgent(name: string, body: Record<string, unknown>): Promise<{ id: string; key: CryptoKey }> {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const made = await admin('/agents', { name, owner: 'team-assistants', jwks: { keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' }] }, ...body });
    expect(made.status).toBe(201);
    return { id: ((await made.json()) as { agent: { id: string } }).agent.id, key: privateKey };
  }

  /** A form POST authenticated with an RFC 7523 client assertion of `as`. */
  async function post(path: string, as: { id: string; key: CryptoKey }, params: Record<string, string>): Promise<Response> {
    const now = Math.floor(Date.now() / 1000);
    const assertion = await new SignJWT({ jti: randomUUID() }).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setIssuer(as.id).setSubject(as.id).setAudience(server.url).setIssuedAt(now).setExpirationTime(now + 60).sign(as.key);
    const body = new URLSearchParams({ ...params, client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: assertion });
    return fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
  }

  /** The agent's exchange of the person's token, acting for them (its own token as actor_token). */
  async function actFor(subject: string): Promise<Response> {
    const own = (await (await post('/token', agent, { grant_type: 'client_credentials', resource })).json()) as { access_token: string };
    return post('/token', agent, { grant_type: TOKEN_EXCHANGE, subject_token: subject, subject_token_type: ACCESS_TOKEN, actor_token: own.access_token, actor_token_type: ACCESS_TOKEN, scope: 'orders:read' });
  }

  const introspect = async (token: string) => (await (await post('/introspect', inspector, { token })).json()) as Record<string, unknown>;

  beforeAll(async () => {
    resource = `http://127.0.0.1:${await freePort()}/mcp`;
    server = await startServerProcess({ env: { AGENTAUTH_BOOTSTRAP_TOKEN: BOOTSTRAP, AGENTAUTH_AUTHORIZATION_RESOURCES: resource, AGENTAUTH_OPEN_PUBLIC_CLIENT_REGISTRATION: 'true' } });
    expect((await admin('/users', { email: 'ada@example.com', name: 'Ada Lovelace', roles: [], password: PASSWORD })).status).toBe(201);
    agent = await registerAgent('Order assistant', { scopes: ['orders:read'], resources: [resource], grant_types: ['client_credentials', TOKEN_EXCHANGE] });
    inspector = await registerAgent('Gateway', { scopes: ['agentauth:introspect'] });
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('signs in, authorizes, sees the agent acting for them, revokes it: its token is inactive and its next exchange refused', async () => {
    const redirect = `http://127.0.0.1:${await freePort()}/callback`;
    const registered = await fetch(`${server.url}/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_name: 'Desktop MCP client', redirect_uris: [redirect], token_endpoint_auth_method: 'none', grant_types: ['authorization_code', 'refresh_token'], scope: 'orders:read' }),
    });
    const clientId = ((await registered.json()) as { client_id: string }).client_id;
    const verifier = randomBytes(32).toString('base64url');
    const query = new URLSearchParams({ response_type: 'code', client_id: clientId, redirect_uri: redirect, code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256', resource, scope: 'orders:read', state: 'st' });

    const context = await browser.newContext({ viewport: { width: 720, height: 860 } });
    const page = await context.newPage();
    let callback: URL | undefined;
    // The client's loopback redirect listener (RFC 8252 §7.3), as a desktop application runs one.
    const listener = createServer((request, response) => {
      // Only the redirect: Chromium asks the same origin for /favicon.ico afterwards.
      const url = new URL(request.url ?? '/', redirect);
      if (url.pathname === '/callback') callback = url;
      response.writeHead(200, { 'content-type': 'text/plain' }).end('You can close this window.');
    });
    await new Promise<void>((resolve) => listener.listen(Number(new URL(redirect).port), '127.0.0.1', resolve));
    await page.goto(`${server.url}/authorize?${query.toString()}`);
    await page.fill('#email', 'ada@example.com');
    await page.fill('#password', PASSWORD);
    await page.click('button[type=submit]');
    await page.click('#allow');
    await expect.poll(() => callback?.searchParams.get('code')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const redeemed = await fetch(`${server.url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: callback?.searchParams.get('code') as string, redirect_uri: redirect, client_id: clientId, code_verifier: verifier }),
    });
    expect(redeemed.status).toBe(200);
    const personToken = ((await redeemed.json()) as { access_token: string }).access_token;
    listener.close();

    // The agent acts for the person.
    const exchanged = await actFor(personToken);
    expect(exchanged.status).toBe(200);
    const delegated = ((await exchanged.json()) as { access_token: string }).access_token;
    expect(decodeJwt(delegated)).toMatchObject({ sub: decodeJwt(personToken).sub, act: { sub: agent.id }, aud: resource, scope: 'orders:read' });
    expect(await introspect(delegated)).toMatchObject({ active: true, act: { sub: agent.id } });

    // The person finds it from their account page.
    await page.goto(`${server.url}/account`);
    await page.click('#agents');
    expect(new URL(page.url()).pathname).toBe('/account/agents');
    const row = page.locator(`li.delegation[data-agent-id="${agent.id}"]`);
    expect(await row.textContent()).toContain('Order assistant');
    expect(await row.textContent()).toContain('Desktop MCP client');
    expect(await row.textContent()).toContain('orders:read');
    await docsScreenshot(page, 'delegations.png');
    await row.locator('button.revoke').click();
    await page.waitForSelector('p.ok');
    expect(await page.textContent('p.ok')).toContain('may no longer act for you');
    expect(await page.locator(`li.delegation[data-agent-id="${agent.id}"] .revoked`).textContent()).toContain('Revoked');
    await docsScreenshot(page, 'delegation-revoked.png');
    await context.close();

    // Revoked at once, and refused until the person authorizes again.
    expect(await introspect(delegated)).toEqual({ active: false });
    const refused = await actFor(personToken);
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ error: 'invalid_request' });
  }, 120_000);
});
