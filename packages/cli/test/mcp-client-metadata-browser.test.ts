import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { auth, type OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { OAuthClientInformationMixed, OAuthClientMetadata, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js';
import { decodeJwt } from 'jose';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: the examples are plain JavaScript, without declarations.
import { startMcpServer } from '../../../examples/mcp-server/server.js';
import { makeSelfSignedCert, sendJson, startLocalHttps, type LocalHttps, type SelfSignedCert } from '../../server/test/net/local-https.js';
import { freePort, startServerProcess, type ServerProcess } from './helpers/server-process.js';

const BOOTSTRAP = 'mcp-cimd-bootstrap-token-0123456789abcdef';
const PASSWORD = 'correct horse battery staple';

/**
 * The MCP SDK's `OAuthClientProvider` with `clientMetadataUrl`: a client that publishes its
 * metadata document and uses its URL as its `client_id` wherever the server advertises
 * `client_id_metadata_document_supported`, with no registration.
 */
class UrlClientProvider implements OAuthClientProvider {
  authorizationUrl: URL | undefined;
  private info: OAuthClientInformationMixed | undefined;
  private saved: OAuthTokens | undefined;
  private verifier = '';
  constructor(
    readonly redirectUrl: string,
    readonly clientMetadataUrl: string,
  ) {}
  get clientMetadata(): OAuthClientMetadata {
    return { client_name: 'Published MCP client', redirect_uris: [this.redirectUrl], grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], token_endpoint_auth_method: 'none', scope: 'orders:read' };
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

describe('the stock MCP SDK client identified by its Client ID Metadata Document, signing a person in through a real browser', () => {
  let server: ServerProcess;
  let browser: Browser;
  let mcp: { close(): Promise<void> };
  let mcpUrl: string;
  let cert: SelfSignedCert;
  let documents: LocalHttps;
  let redirectUrl: string;

  beforeAll(async () => {
    cert = makeSelfSignedCert();
    redirectUrl = `http://127.0.0.1:${await freePort()}/callback`;
    // The client publishes its document over https; this server's certificate is trusted by the
    // agentauth process through NODE_EXTRA_CA_CERTS, as a private CA would be.
    documents = await startLocalHttps(cert, (request, response) => {
      const clientId = `${documents.url}${request.url ?? ''}`;
      if (request.url !== '/mcp/client.json') return sendJson(response, { error: 'not found' }, {}, 404);
      sendJson(response, { client_id: clientId, client_name: 'Published MCP client', client_uri: 'https://client.example.com', redirect_uris: [redirectUrl], grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], token_endpoint_auth_method: 'none', scope: 'orders:read' }, { 'cache-control': 'max-age=600' });
    });
    const port = await freePort();
    mcpUrl = `http://127.0.0.1:${port}/mcp`;
    server = await startServerProcess({
      env: { AGENTAUTH_BOOTSTRAP_TOKEN: BOOTSTRAP, AGENTAUTH_AUTHORIZATION_RESOURCES: mcpUrl, AGENTAUTH_CLIENT_METADATA_ALLOW_PRIVATE_NETWORKS: 'true', NODE_EXTRA_CA_CERTS: cert.certPath },
    });
    mcp = (await startMcpServer({ issuer: server.url, resource: mcpUrl, port, revocation: 'off' })) as { close(): Promise<void> };
    const made = await fetch(`${server.url}/admin/v1/users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${BOOTSTRAP}`, 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'grace@example.com', name: 'Grace Hopper', roles: [], password: PASSWORD }),
    });
    expect(made.status).toBe(201);
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await mcp?.close();
    await server?.stop();
    await documents?.close();
    cert?.remove();
  });

  it('uses its document URL as client_id without registering, shows its host on the consent page, and calls a tool', async () => {
    const clientId = `${documents.url}/mcp/client.json`;
    const provider = new UrlClientProvider(redirectUrl, clientId);
    expect(await auth(provider, { serverUrl: mcpUrl })).toBe('REDIRECT');
    expect(provider.clientInformation()?.client_id).toBe(clientId);
    const authorizationUrl = provider.authorizationUrl as URL;
    expect(authorizationUrl.searchParams.get('client_id')).toBe(clientId);

    const context = await browser.newContext();
    const page = await context.newPage();
    let callback: URL | undefined;
    await page.route(`${redirectUrl}**`, async (route) => {
      callback = new URL(route.request().url());
      await route.fulfill({ status: 200, contentType: 'text/plain', body: 'You can close this window.' });
    });
    await page.goto(authorizationUrl.href);
    await page.fill('#email', 'grace@example.com');
    await page.fill('#password', PASSWORD);
    await page.click('button[type=submit]');
    await page.waitForSelector('#allow');
    expect(await page.textContent('#client-host')).toBe(new URL(documents.url).host);
    expect(await page.textContent('#client-name')).toBe('Published MCP client');
    expect(await page.textContent('#client-id')).toBe(clientId);
    await page.click('#allow');
    // Patient with a loaded machine: the browser follows the redirect when it can.
    await expect.poll(() => callback?.href, { timeout: 30_000 }).toBeDefined();
    const back = callback as URL;
    expect(back.searchParams.get('iss')).toBe(server.url);

    expect(await auth(provider, { serverUrl: mcpUrl, authorizationCode: back.searchParams.get('code') as string })).toBe('AUTHORIZED');
    expect(decodeJwt((provider.tokens() as OAuthTokens).access_token)).toMatchObject({ aud: mcpUrl, scope: 'orders:read', client_id: clientId });
    const client = new Client({ name: 'published', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: provider }));
    expect(JSON.stringify((await client.callTool({ name: 'list_orders', arguments: {} })).content)).toContain('widget');
    await client.close();
    await context.close();
    // One fetch of the document served the authorization and the token request; nothing registered.
    expect(documents.hits).toEqual(['/mcp/client.json']);
  }, 120_000);

  it('shows a person an error page, not a redirect, when the document cannot be had', async () => {
    const clientId = `${documents.url}/mcp/missing.json`;
    const provider = new UrlClientProvider(redirectUrl, clientId);
    expect(await auth(provider, { serverUrl: mcpUrl })).toBe('REDIRECT');
    const context = await browser.newContext();
    const page = await context.newPage();
    let redirected = false;
    await page.route(`${redirectUrl}**`, async (route) => {
      redirected = true;
      await route.fulfill({ status: 200, body: 'no' });
    });
    // Nothing is fetched for an anonymous visitor: the person signs in first, then sees the refusal.
    await page.goto((provider.authorizationUrl as URL).href);
    expect(new URL(page.url()).pathname).toBe('/login');
    expect(documents.hits).not.toContain('/mcp/missing.json');
    await page.fill('#email', 'grace@example.com');
    await page.fill('#password', PASSWORD);
    await page.click('button[type=submit]');
    await page.waitForSelector('text=Authorization refused');
    expect(await page.textContent('body')).toContain('did not answer 200');
    expect(new URL(page.url()).pathname).toBe('/authorize');
    expect(redirected).toBe(false);
    await context.close();
  }, 60_000);
});
