import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { decodeJwt, exportJWK, generateKeyPair } from 'jose';
import * as oauth from 'oauth4webapi';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: the examples are plain JavaScript, without declarations.
import { startMcpServer } from '../../../examples/mcp-server/server.js';
import { freePort, startServerProcess, type ServerProcess } from './helpers/server-process.js';

const BOOTSTRAP = 'agent-browser-bootstrap-token-0123456789abcdef';
const PASSWORD = 'correct horse battery staple';

/**
 * A person signs in to a registered agent through a real browser (docs/oauth.md, "Agents as
 * clients of the authorization code flow"): the agent is a confidential client driven by an
 * independent OAuth library (oauth4webapi) with `private_key_jwt`, and the protected MCP server
 * (the resource-server SDK) sees the person as the subject and the agent as the actor.
 */
describe('a person signs in to an agent (oauth4webapi, private_key_jwt) through a real browser', () => {
  let server: ServerProcess;
  let browser: Browser;
  let mcp: { close(): Promise<void> };
  let mcpUrl: string;
  beforeAll(async () => {
    const port = await freePort();
    mcpUrl = `http://127.0.0.1:${port}/mcp`;
    server = await startServerProcess({ env: { AGENTAUTH_BOOTSTRAP_TOKEN: BOOTSTRAP, AGENTAUTH_AUTHORIZATION_RESOURCES: mcpUrl } });
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

  it('signs in, consents, and the agent redeems and refreshes as itself; the MCP server sees it acting for the person', async () => {
    const redirectUri = `http://127.0.0.1:${await freePort()}/callback`;
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    const made = await fetch(`${server.url}/admin/v1/agents`, {
      method: 'POST',
      headers: { authorization: `Bearer ${BOOTSTRAP}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Ada assistant', owner: 'team-assist', scopes: ['orders:read'], resources: [mcpUrl], redirect_uris: [redirectUri], jwks: { keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' }] } }),
    });
    expect(made.status).toBe(201);
    const agentId = ((await made.json()) as { agent: { id: string } }).agent.id;

    const insecure = { [oauth.allowInsecureRequests]: true };
    const issuer = new URL(server.url);
    const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { ...insecure, algorithm: 'oauth2' }));
    const client: oauth.Client = { client_id: agentId };
    const clientAuth = oauth.PrivateKeyJwt({ key: privateKey, kid: 'k1' });
    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const authorizationUrl = new URL(as.authorization_endpoint as string);
    for (const [name, value] of Object.entries({ client_id: agentId, redirect_uri: redirectUri, response_type: 'code', scope: 'orders:read', resource: mcpUrl, state, code_challenge: await oauth.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' })) {
      authorizationUrl.searchParams.set(name, value);
    }

    const context = await browser.newContext();
    const page = await context.newPage();
    let callback: URL | undefined;
    await page.route(`${redirectUri}**`, async (route) => {
      callback = new URL(route.request().url());
      await route.fulfill({ status: 200, contentType: 'text/plain', body: 'You can close this window.' });
    });
    await page.goto(authorizationUrl.href);
    expect(new URL(page.url()).pathname).toBe('/login');
    await page.fill('#email', 'ada@example.com');
    await page.fill('#password', PASSWORD);
    await page.click('button[type=submit]');
    await page.waitForSelector('#allow');
    expect(await page.textContent('#client-name')).toBe('Ada assistant');
    expect(await page.textContent('#agent-owner')).toBe('team-assist');
    expect(await page.textContent('#client-id')).toBe(agentId);
    await page.click('#allow');
    await expect.poll(() => callback?.href).toBeDefined();
    await context.close();

    // RFC 9207: oauth4webapi checks iss and state before the code is used.
    const params = oauth.validateAuthResponse(as, client, callback as URL, state);
    const redeemed = await oauth.processAuthorizationCodeResponse(as, client, await oauth.authorizationCodeGrantRequest(as, client, clientAuth, params, redirectUri, verifier, { ...insecure, additionalParameters: { resource: mcpUrl } }));
    const claims = decodeJwt(redeemed.access_token);
    expect(claims).toMatchObject({ client_id: agentId, act: { sub: agentId }, aud: mcpUrl, scope: 'orders:read' });
    expect(claims.sub).toMatch(/^usr_/);

    const mcpClient = new Client({ name: 'assistant', version: '1.0.0' });
    await mcpClient.connect(new StreamableHTTPClientTransport(new URL(mcpUrl), { requestInit: { headers: { authorization: `Bearer ${redeemed.access_token}` } } }));
    const whoami = (await mcpClient.callTool({ name: 'whoami', arguments: {} })) as { content: { text: string }[] };
    expect(JSON.parse(whoami.content[0]?.text ?? '')).toMatchObject({ agentId: claims.sub, clientId: agentId, actors: [{ sub: agentId }] });
    await mcpClient.close();

    // RFC 6749 §6: the refresh needs the agent's own authentication; without it, 401 invalid_client.
    const bare = await oauth.refreshTokenGrantRequest(as, client, oauth.None(), redeemed.refresh_token as string, insecure);
    expect(bare.status).toBe(401);
    expect(((await bare.json()) as { error: string }).error).toBe('invalid_client');
    const refreshed = await oauth.processRefreshTokenResponse(as, client, await oauth.refreshTokenGrantRequest(as, client, clientAuth, redeemed.refresh_token as string, insecure));
    expect(refreshed.refresh_token).not.toBe(redeemed.refresh_token);
    expect(decodeJwt(refreshed.access_token)).toMatchObject({ sub: claims.sub, client_id: agentId, act: { sub: agentId } });
  }, 120_000);
});
