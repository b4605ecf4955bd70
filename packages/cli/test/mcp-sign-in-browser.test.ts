import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { auth, type OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import { PrivateKeyJwtProvider } from '@modelcontextprotocol/sdk/client/auth-extensions.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { OAuthClientInformationMixed, OAuthClientMetadata, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js';
import { decodeJwt, exportJWK, generateKeyPair } from 'jose';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: the examples are plain JavaScript, without declarations.
import { startMcpServer } from '../../../examples/mcp-server/server.js';
import { freePort, startServerProcess, type ServerProcess } from './helpers/server-process.js';
import { docsScreenshot } from './helpers/docs-screenshot.js';

const BOOTSTRAP = 'mcp-browser-bootstrap-token-0123456789abcdef';
const PASSWORD = 'correct horse battery staple';

/**
 * The MCP SDK's own `OAuthClientProvider` contract, kept in memory: what a desktop MCP client
 * stores. `redirectToAuthorization` records the URL; the test's browser opens it, as the person's would.
 */
class MemoryProvider implements OAuthClientProvider {
  authorizationUrl: URL | undefined;
  private info: OAuthClientInformationMixed | undefined;
  private saved: OAuthTokens | undefined;
  private verifier = '';
  constructor(readonly redirectUrl: string) {}
  get clientMetadata(): OAuthClientMetadata {
    return { client_name: 'Desktop MCP client', redirect_uris: [this.redirectUrl], grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], token_endpoint_auth_method: 'none', scope: 'orders:read' };
  }
  clientInformation() {
    return this.info;
  }
  saveClientInformation(info: OAuthClientInformationMixed) {
    this.info = info;
  }
  tokens() {
    return this.saved;
  }
  saveTokens(tokens: OAuthTokens) {
    this.saved = tokens;
  }
  redirectToAuthorization(url: URL) {
    this.authorizationUrl = url;
  }
  saveCodeVerifier(verifier: string) {
    this.verifier = verifier;
  }
  codeVerifier() {
    return this.verifier;
  }
}

describe('the stock MCP SDK client signs a person in through a real browser and calls a protected MCP server', () => {
  let server: ServerProcess;
  let browser: Browser;
  let mcp: { close(): Promise<void> };
  let mcpUrl: string;
  beforeAll(async () => {
    const port = await freePort();
    mcpUrl = `http://127.0.0.1:${port}/mcp`;
    server = await startServerProcess({ env: { AGENTAUTH_BOOTSTRAP_TOKEN: BOOTSTRAP, AGENTAUTH_AUTHORIZATION_RESOURCES: mcpUrl, AGENTAUTH_OPEN_PUBLIC_CLIENT_REGISTRATION: 'true' } });
    mcp = (await startMcpServer({ issuer: server.url, resource: mcpUrl, port, revocation: 'off' })) as { close(): Promise<void> };
    const made = await fetch(`${server.url}/admin/v1/users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${BOOTSTRAP}`, 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'ada@example.com', name: 'Ada Lovelace', roles: [], password: PASSWORD }),
    });
    expect(made.status).toBe(201);
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await mcp?.close();
    await server?.stop();
  });

  it('registers, signs in, consents, gets a token for the person and calls a tool; a refresh rotates the refresh token', async () => {
    const redirectUrl = `http://127.0.0.1:${await freePort()}/callback`;
    const provider = new MemoryProvider(redirectUrl);
    // The SDK discovers RFC 9728 and RFC 8414 metadata, registers (RFC 7591) and hands over the authorization URL.
    expect(await auth(provider, { serverUrl: mcpUrl })).toBe('REDIRECT');
    const authorizationUrl = provider.authorizationUrl as URL;
    expect(authorizationUrl.origin + authorizationUrl.pathname).toBe(`${server.url}/authorize`);
    expect(authorizationUrl.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorizationUrl.searchParams.get('resource')).toBe(mcpUrl);

    const context = await browser.newContext({ viewport: { width: 720, height: 720 } });
    const page = await context.newPage();
    let callback: URL | undefined;
    // The client's loopback listener, as the browser sees it: the redirect is caught, not served.
    await page.route(`${redirectUrl}**`, async (route) => {
      callback = new URL(route.request().url());
      await route.fulfill({ status: 200, contentType: 'text/plain', body: 'You can close this window.' });
    });
    await page.goto(authorizationUrl.href);
    expect(new URL(page.url()).pathname).toBe('/login');
    await page.fill('#email', 'ada@example.com');
    await page.fill('#password', PASSWORD);
    await page.click('button[type=submit]');
    await page.waitForSelector('#allow');
    expect(await page.textContent('#client-name')).toBe('Desktop MCP client');
    expect(await page.textContent('#resource')).toBe(mcpUrl);
    expect(await page.textContent('#scopes')).toContain('orders:read');
    await docsScreenshot(page, 'consent.png');
    await page.click('#allow');
    await expect.poll(() => callback?.href).toBeDefined();
    const back = callback as URL;
    expect(back.searchParams.get('iss')).toBe(server.url);
    expect(back.searchParams.get('state')).toBe(authorizationUrl.searchParams.get('state'));

    expect(await auth(provider, { serverUrl: mcpUrl, authorizationCode: back.searchParams.get('code') as string })).toBe('AUTHORIZED');
    const tokens = provider.tokens() as OAuthTokens;
    const claims = decodeJwt(tokens.access_token);
    expect(claims).toMatchObject({ aud: mcpUrl, scope: 'orders:read', client_id: provider.clientInformation()?.client_id });
    expect(claims.sub).toMatch(/^usr_/);

    const client = new Client({ name: 'desktop', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: provider }));
    const result = await client.callTool({ name: 'list_orders', arguments: {} });
    expect(JSON.stringify(result.content)).toContain('widget');
    await client.close();

    // The SDK refreshes with the refresh token; ours rotates, and the old one is dead afterwards.
    const oldRefresh = tokens.refresh_token as string;
    expect(await auth(provider, { serverUrl: mcpUrl })).toBe('AUTHORIZED');
    expect(provider.tokens()?.refresh_token).not.toBe(oldRefresh);

    await page.goto(`${server.url}/account/consents`);
    expect(await page.textContent('#consents')).toContain('Desktop MCP client');
    await docsScreenshot(page, 'consents.png');
    await context.close();

    // Another browser, consent remembered: signing in lands straight back at the client.
    const again = new MemoryProvider(redirectUrl);
    again.saveClientInformation(provider.clientInformation() as OAuthClientInformationMixed);
    expect(await auth(again, { serverUrl: mcpUrl })).toBe('REDIRECT');
    const fresh = await browser.newContext();
    const second = await fresh.newPage();
    let returned: URL | undefined;
    await second.route(`${redirectUrl}**`, async (route) => {
      returned = new URL(route.request().url());
      await route.fulfill({ status: 200, contentType: 'text/plain', body: 'ok' });
    });
    await second.goto((again.authorizationUrl as URL).href);
    await second.fill('#email', 'ada@example.com');
    await second.fill('#password', PASSWORD);
    await second.click('button[type=submit]');
    await expect.poll(() => returned?.searchParams.get('code')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    await fresh.close();
  }, 120_000);

  it("lets the SDK's client-credentials provider (private_key_jwt) use the same metadata for an agent", async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    const made = await fetch(`${server.url}/admin/v1/agents`, {
      method: 'POST',
      headers: { authorization: `Bearer ${BOOTSTRAP}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'sdk-agent', owner: 'team-mcp', scopes: ['orders:read'], resources: [mcpUrl], jwks: { keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' }] } }),
    });
    expect(made.status).toBe(201);
    const agentId = ((await made.json()) as { agent: { id: string } }).agent.id;
    const provider = new PrivateKeyJwtProvider({ clientId: agentId, privateKey: { ...(await exportJWK(privateKey)), kid: 'k1' }, algorithm: 'ES256', scope: 'orders:read', expectedIssuer: server.url });
    const client = new Client({ name: 'agent', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: provider }));
    expect(JSON.stringify((await client.callTool({ name: 'whoami', arguments: {} })).content)).toContain(agentId);
    expect(decodeJwt(provider.tokens()?.access_token as string)).toMatchObject({ sub: agentId, aud: mcpUrl });
    await client.close();
  });
});
