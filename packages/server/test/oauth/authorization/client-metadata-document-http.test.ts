import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeJwt, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ISSUER, startTestServer, type TestServer } from '../../support/test-server.js';
import { auditOf, createPerson, csrfOf, field, signIn } from '../../people/people-harness.js';

const RESOURCE = 'https://mcp.example.com/mcp';
const REDIRECT = 'http://127.0.0.1:4567/callback';
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

type Handler = (request: IncomingMessage, response: ServerResponse, url: string) => void;

function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

const decode = (html: string) => html.replace(/&#(\d+);/g, (_m, n: string) => String.fromCharCode(Number(n)));

describe('a public client identified by its Client ID Metadata Document, through /authorize, consent and /token', () => {
  let t: TestServer;
  let documents: Server;
  let base: string;
  let handle: Handler;
  let hits: string[];
  let session: string;
  let userId: string;
  const cookie = () => ({ cookie: `__Host-agentauth-session=${session}` });

  const documentFor = (url: string, over: Record<string, unknown> = {}) => ({
    client_id: url,
    client_name: 'Desk <b>MCP</b>',
    client_uri: 'https://desk.example.com',
    logo_uri: 'https://desk.example.com/logo.png',
    redirect_uris: [REDIRECT],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
    scope: 'orders:read',
    ...over,
  });
  const serve =
    (body: (url: string) => unknown): Handler =>
    (_request, response, url) => {
      response.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=300' });
      response.end(JSON.stringify(body(url)));
    };

  beforeAll(async () => {
    documents = createServer((request, response) => {
      hits.push(request.url ?? '');
      handle(request, response, `${base}${request.url ?? ''}`);
    });
    await new Promise<void>((resolve) => documents.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(documents.address() as AddressInfo).port}`;
    t = await startTestServer('sqlite', { AGENTAUTH_AUTHORIZATION_RESOURCES: RESOURCE, AGENTAUTH_CLIENT_METADATA_ALLOW_PRIVATE_NETWORKS: 'true' });
    userId = await createPerson(t, 'ada@example.com', []);
    session = await signIn(t, 'ada@example.com');
  });
  afterAll(async () => {
    await t.close();
    await new Promise((resolve) => documents.close(resolve));
  });
  beforeEach(() => {
    hits = [];
    handle = serve((url) => documentFor(url));
  });

  const authorizeUrl = (clientId: string, over: Record<string, string | undefined> = {}, challenge = pkce().challenge) => {
    const params: Record<string, string | undefined> = { response_type: 'code', client_id: clientId, redirect_uri: REDIRECT, code_challenge: challenge, code_challenge_method: 'S256', resource: RESOURCE, scope: 'orders:read', state: 'st-9', ...over };
    return `/authorize?${new URLSearchParams(Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined)).toString()}`;
  };
  const token = (params: Record<string, string>) => t.server.app.inject({ method: 'POST', url: '/token', headers: FORM, payload: new URLSearchParams(params).toString() });
  // A refusal before the client is known names it in its reason only.
  const denials = async (clientId: string) => (await auditOf(t)).filter((r) => r.details['client_id'] === clientId || (r.reason ?? '').includes(clientId)).map((r) => `${r.event} ${String(r.details['code'] ?? '')}`.trim());

  it('is advertised in the authorization server metadata', async () => {
    const metadata = (await t.server.app.inject({ method: 'GET', url: '/.well-known/oauth-authorization-server' })).json() as Record<string, unknown>;
    expect(metadata['client_id_metadata_document_supported']).toBe(true);
    expect(metadata['token_endpoint_auth_methods_supported']).toContain('none');
  });

  it('shows the host that publishes the document first, escapes what the document says, and issues a token to the URL client', async () => {
    const clientId = `${base}/clients/desk.json`;
    const { verifier, challenge } = pkce();
    const page = await t.server.app.inject({ method: 'GET', url: authorizeUrl(clientId, {}, challenge), headers: cookie() });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain(`<strong id="client-host">${new URL(base).host}</strong>`);
    expect(page.body).toContain('<strong id="client-name">Desk &#60;b&#62;MCP&#60;/b&#62;</strong>');
    expect(page.body).toContain('<code id="client-uri">https://desk.example.com</code>');
    expect(page.body).not.toContain('<b>MCP</b>');
    expect(page.body).not.toContain('logo.png');
    expect(hits).toEqual(['/clients/desk.json']);

    const answered = await t.server.app.inject({ method: 'POST', url: '/authorize', headers: { ...cookie(), ...FORM }, payload: new URLSearchParams({ csrf: field(page.body, 'csrf'), request: decode(field(page.body, 'request')), decision: 'allow' }).toString() });
    expect(answered.statusCode).toBe(303);
    const back = new URL(answered.headers.location as string);
    expect(`${back.origin}${back.pathname}`).toBe(REDIRECT);
    expect(back.searchParams.get('iss')).toBe(ISSUER);

    const issued = await token({ grant_type: 'authorization_code', code: back.searchParams.get('code') ?? '', redirect_uri: REDIRECT, client_id: clientId, code_verifier: verifier });
    expect(issued.statusCode).toBe(200);
    const body = issued.json() as { access_token: string; refresh_token: string };
    expect(decodeJwt(body.access_token)).toMatchObject({ sub: userId, client_id: clientId, aud: RESOURCE, scope: 'orders:read' });
    // The cached document served /authorize twice and /token: one fetch.
    expect(hits).toEqual(['/clients/desk.json']);

    // Consent is remembered for the URL client: the next request returns at once.
    const again = await t.server.app.inject({ method: 'GET', url: authorizeUrl(clientId), headers: cookie() });
    expect(again.body).toContain('id="continue"');
    const consents = (await t.server.app.inject({ method: 'GET', url: '/account/api/consents', headers: cookie() })).json() as { consents: { client_id: string }[] };
    expect(consents.consents.map((c) => c.client_id)).toContain(clientId);

    // A refresh after the cache expired re-reads the document; a document that turned bad is invalid_client.
    t.clock.advance(301_000);
    handle = serve((url) => documentFor(url, { token_endpoint_auth_method: 'client_secret_basic' }));
    const refused = await token({ grant_type: 'refresh_token', refresh_token: body.refresh_token, client_id: clientId });
    expect(refused.statusCode).toBe(401);
    expect(refused.json()).toMatchObject({ error: 'invalid_client' });
    expect(JSON.stringify(refused.json())).not.toContain('client_secret_basic');
    expect(await denials(clientId)).toEqual(expect.arrayContaining(['client_metadata.refused document', 'access_token.denied']));
    handle = serve((url) => documentFor(url));
    expect((await token({ grant_type: 'refresh_token', refresh_token: body.refresh_token, client_id: clientId })).statusCode).toBe(200);
  });

  it('refuses a bad document with an error page, never a redirect, audits it, and stores nothing', async () => {
    const cases: [string, Handler, RegExp, string][] = [
      ['/oversize.json', serve((url) => documentFor(url, { padding: 'x'.repeat(6000) })), /at most 5120 bytes/, 'too_large'],
      ['/mismatch.json', serve(() => documentFor(`${base}/other.json`)), /client_id must equal the URL/, 'document'],
      ['/redirect.json', (_q, r) => r.writeHead(302, { location: `${base}/clients/desk.json` }).end(), /redirects are not followed/, 'redirect'],
      ['/html.json', (_q, r) => r.writeHead(200, { 'content-type': 'text/html' }).end('<html></html>'), /application\/json/, 'content_type'],
      ['/broken.json', (_q, r) => r.writeHead(200, { 'content-type': 'application/json' }).end('{'), /not valid JSON/, 'malformed'],
      ['/secret.json', serve((url) => documentFor(url, { token_endpoint_auth_method: 'client_secret_post', client_secret: 's3cr3t-value' })), /client_secret must not be present/, 'document'],
      ['/redirects.json', serve((url) => documentFor(url, { redirect_uris: ['http://evil.example.com/cb', REDIRECT] })), /http redirect URIs are allowed only on 127\.0\.0\.1/, 'document'],
      ['/a/../dots.json', serve((url) => documentFor(url)), /\. or \.\. path segments/, 'client_id'],
    ];
    for (const [path, handler, rule, code] of cases) {
      handle = handler;
      const clientId = `${base}${path}`;
      const response = await t.server.app.inject({ method: 'GET', url: authorizeUrl(clientId), headers: cookie() });
      expect(response.statusCode, path).toBe(400);
      expect(response.headers.location).toBeUndefined();
      expect(response.body).toContain('Authorization refused');
      expect(decode(response.body)).toMatch(rule);
      expect(response.body).not.toContain('s3cr3t-value');
      expect(await denials(clientId), path).toEqual([`client_metadata.refused ${code}`, 'authorization.denied']);
      expect(await t.server.deps.store.getPublicClient(clientId)).toBeUndefined();
    }
    expect(JSON.stringify(await auditOf(t))).not.toContain('s3cr3t-value');
    expect(hits).not.toContain('/dots.json');
  });

  it('refuses a redirect URI the document does not list, on a page', async () => {
    const clientId = `${base}/clients/strict.json`;
    const response = await t.server.app.inject({ method: 'GET', url: authorizeUrl(clientId, { redirect_uri: 'http://127.0.0.1:4567/other' }), headers: cookie() });
    expect(response.statusCode).toBe(400);
    expect(response.headers.location).toBeUndefined();
    expect(decode(response.body)).toContain('redirect_uri is not one of the redirect URIs registered');
  });

  it('never fetches a document for an anonymous visitor at /authorize, nor at /token for a URL no person consented to', async () => {
    const clientId = `${base}/clients/unknown.json`;
    const url = authorizeUrl(clientId);
    const anonymous = await t.server.app.inject({ method: 'GET', url });
    expect(anonymous.statusCode).toBe(303);
    expect(anonymous.headers.location).toBe(`/login?return_to=${encodeURIComponent(url)}`);
    const response = await token({ grant_type: 'authorization_code', code: 'x'.repeat(43), redirect_uri: REDIRECT, client_id: clientId, code_verifier: 'v'.repeat(43) });
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual({ error: 'invalid_client', error_description: expect.any(String) as string });
    expect(hits).toEqual([]);
    expect(await denials(clientId)).toEqual(['access_token.denied']);
  });
  it('authenticates a document client that says private_key_jwt with an assertion signed by a key at its jwks_uri', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'desk-1', alg: 'ES256' };
    const clientId = `${base}/clients/keyed.json`;
    handle = (request, response, url) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      if (request.url === '/keys/jwks.json') return response.end(JSON.stringify({ keys: [jwk] }));
      response.end(JSON.stringify(documentFor(url, { token_endpoint_auth_method: 'private_key_jwt', jwks_uri: `${base}/keys/jwks.json` })));
    };
    const assertion = (jti: string, sub = clientId) =>
      new SignJWT({ jti }).setProtectedHeader({ alg: 'ES256', kid: 'desk-1', typ: 'JWT' }).setIssuer(sub).setSubject(sub).setAudience(ISSUER).setIssuedAt(Math.floor(t.clock.now() / 1000)).setExpirationTime(Math.floor(t.clock.now() / 1000) + 120).sign(privateKey);
    const { verifier, challenge } = pkce();
    const page = await t.server.app.inject({ method: 'GET', url: authorizeUrl(clientId, {}, challenge), headers: cookie() });
    expect(page.statusCode).toBe(200);
    const answered = await t.server.app.inject({ method: 'POST', url: '/authorize', headers: { ...cookie(), ...FORM }, payload: new URLSearchParams({ csrf: field(page.body, 'csrf'), request: decode(field(page.body, 'request')), decision: 'allow' }).toString() });
    const code = new URL(answered.headers.location as string).searchParams.get('code') ?? '';
    const redeem = { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, client_id: clientId, code_verifier: verifier };
    const type = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

    // Without its assertion, or with one for another client, it is refused before the code is spent.
    expect((await token(redeem)).statusCode).toBe(401);
    expect((await token({ ...redeem, client_assertion_type: type, client_assertion: await assertion('a-0', `${base}/clients/other.json`) })).json()).toMatchObject({ error: 'invalid_client' });
    const first = await assertion('a-1');
    const issued = await token({ ...redeem, client_assertion_type: type, client_assertion: first });
    expect(issued.statusCode).toBe(200);
    const refresh = (issued.json() as { refresh_token: string }).refresh_token;
    const records = await auditOf(t);
    expect(records.filter((r) => r.event === 'access_token.issued' && r.details['client_id'] === clientId).map((r) => r.details['auth_method'])).toEqual(['private_key_jwt']);
    // The same assertion twice is a replay (RFC 7523 §3).
    expect((await token({ grant_type: 'refresh_token', refresh_token: refresh, client_id: clientId, client_assertion_type: type, client_assertion: first })).statusCode).toBe(401);
    expect((await token({ grant_type: 'refresh_token', refresh_token: refresh, client_id: clientId, client_assertion_type: type, client_assertion: await assertion('a-2') })).statusCode).toBe(200);
  });

  it('refuses an assertion from a client whose document says none', async () => {
    // Consented to above, so its document is read: it is public, and a public client sends no credential.
    const clientId = `${base}/clients/desk.json`;
    const response = await token({ grant_type: 'refresh_token', refresh_token: 'x', client_id: clientId, client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: 'a.b.c' });
    expect(response.statusCode).toBe(401);
    expect(response.json()).toMatchObject({ error: 'invalid_client' });
    const denied = (await auditOf(t)).filter((r) => r.event === 'access_token.denied' && r.details['client_id'] === clientId).at(-1);
    expect(denied?.reason).toContain('credentials sent for a public client');
  });
  it('lets the person revoke the consent of a URL client by its URL, which asks again next time', async () => {
    const clientId = `${base}/clients/desk.json`;
    const revoked = await t.server.app.inject({ method: 'DELETE', url: `/account/api/consents?${new URLSearchParams({ client_id: clientId, resource: RESOURCE }).toString()}`, headers: { ...cookie(), 'x-csrf-token': await csrfOf(t, session) } });
    expect(revoked.statusCode).toBe(204);
    const page = await t.server.app.inject({ method: 'GET', url: authorizeUrl(clientId), headers: cookie() });
    expect(page.body).toContain('id="allow"');
    expect((await auditOf(t)).filter((r) => r.event === 'consent.revoked').map((r) => r.details['client_id'])).toContain(clientId);
  });
});
