import { createHash, randomBytes } from 'node:crypto';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ISSUER, startTestServer, type TestServer } from '../../support/test-server.js';
import { auditOf, createPerson, field, signIn } from '../../people/people-harness.js';
import { dpopKey, proofFor } from '../dpop/dpop-support.js';

const RESOURCE = 'https://mcp.example.com/mcp';
const REDIRECT = 'http://127.0.0.1:4567/callback';
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

describe('authorization code flow for public clients (OAuth 2.1, RFC 7636, RFC 8707, RFC 9207, RFC 9700)', () => {
  let t: TestServer;
  let session: string;
  let clientId: string;
  let userId: string;
  const cookie = () => ({ cookie: `__Host-agentauth-session=${session}` });

  beforeAll(async () => {
    t = await startTestServer('sqlite', { AGENTAUTH_AUTHORIZATION_RESOURCES: `${RESOURCE}, https://other.example.com`, AGENTAUTH_OPEN_PUBLIC_CLIENT_REGISTRATION: 'true' });
    userId = await createPerson(t, 'ada@example.com', []);
    session = await signIn(t, 'ada@example.com');
    const registered = await t.server.app.inject({
      method: 'POST',
      url: '/register',
      payload: { client_name: 'Ada MCP', redirect_uris: [REDIRECT, 'https://app.example.com/cb'], token_endpoint_auth_method: 'none', grant_types: ['authorization_code', 'refresh_token'], scope: 'orders:read orders:write' },
    });
    expect(registered.statusCode).toBe(201);
    clientId = (registered.json() as { client_id: string }).client_id;
  });
  afterAll(() => t.close());

  const authorizeUrl = (over: Record<string, string | undefined> = {}, challenge = pkce().challenge) => {
    const params: Record<string, string | undefined> = { response_type: 'code', client_id: clientId, redirect_uri: REDIRECT, code_challenge: challenge, code_challenge_method: 'S256', resource: RESOURCE, scope: 'orders:read', state: 'st-123', ...over };
    const query = new URLSearchParams(Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined));
    return `/authorize?${query.toString()}`;
  };

  /** Signs through the consent page; returns the redirect the browser follows. */
  async function consent(url: string, decision = 'allow'): Promise<URL> {
    const page = await t.server.app.inject({ method: 'GET', url, headers: cookie() });
    // A remembered consent answers at once, with a page that sends the browser on.
    if (decision === 'allow' && page.body.includes('id="continue"')) return new URL(returned(page.body));
    expect(page.statusCode).toBe(200);
    const request = field(page.body, 'request').replace(/&#(\d+);/g, (_m, n: string) => String.fromCharCode(Number(n)));
    const answered = await t.server.app.inject({ method: 'POST', url: '/authorize', headers: { ...cookie(), ...FORM }, payload: new URLSearchParams({ csrf: field(page.body, 'csrf'), request, decision }).toString() });
    expect(answered.statusCode).toBe(303);
    return new URL(answered.headers.location as string);
  }

  /** Where a "returning" page sends the browser. */
  const returned = (html: string) => (/<a id="continue" href="([^"]+)"/.exec(html)?.[1] ?? '').replace(/&#(\d+);/g, (_m, n: string) => String.fromCharCode(Number(n)));

  const token = (params: Record<string, string>, headers: Record<string, string> = {}) => t.server.app.inject({ method: 'POST', url: '/token', headers: { ...FORM, ...headers }, payload: new URLSearchParams(params).toString() });

  async function codeFor(challenge: string, over: Record<string, string> = {}): Promise<string> {
    const back = await consent(authorizeUrl(over, challenge));
    const code = back.searchParams.get('code');
    if (code === null) throw new Error(`no code: ${back.href}`);
    return code;
  }

  it('advertises the authorization endpoint, S256 only and the RFC 9207 iss parameter', async () => {
    const metadata = (await t.server.app.inject({ method: 'GET', url: '/.well-known/oauth-authorization-server' })).json() as Record<string, unknown>;
    expect(metadata).toMatchObject({ authorization_endpoint: `${ISSUER}/authorize`, response_types_supported: ['code'], code_challenge_methods_supported: ['S256'], authorization_response_iss_parameter_supported: true });
    expect(metadata['grant_types_supported']).toEqual(expect.arrayContaining(['authorization_code', 'refresh_token']));
  });

  it('sends a person who is not signed in to the login page and back', async () => {
    const url = authorizeUrl();
    const response = await t.server.app.inject({ method: 'GET', url });
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe(`/login?return_to=${encodeURIComponent(url)}`);
  });

  it('shows a consent page naming the client, the scopes and the resource, then issues a code with state and iss', async () => {
    const page = await t.server.app.inject({ method: 'GET', url: authorizeUrl(), headers: cookie() });
    expect(page.body).toContain('<strong id="client-name">Ada MCP</strong>');
    expect(page.body).toContain(`<code id="resource">${RESOURCE}</code>`);
    expect(page.body).toContain('<code>orders:read</code>');
    expect(page.headers['content-security-policy']).toContain("form-action 'self' http://127.0.0.1:4567");
    expect(page.headers['x-frame-options']).toBe('DENY');
    const { verifier, challenge } = pkce();
    const back = await consent(authorizeUrl({}, challenge));
    expect(`${back.origin}${back.pathname}`).toBe(REDIRECT);
    expect(back.searchParams.get('state')).toBe('st-123');
    expect(back.searchParams.get('iss')).toBe(ISSUER);
    const response = await token({ grant_type: 'authorization_code', code: back.searchParams.get('code') ?? '', redirect_uri: REDIRECT, client_id: clientId, code_verifier: verifier });
    expect(response.statusCode).toBe(200);
    const body = response.json() as { access_token: string; refresh_token: string; token_type: string; scope: string };
    expect(body).toMatchObject({ token_type: 'Bearer', scope: 'orders:read' });
    expect(decodeJwt(body.access_token)).toMatchObject({ sub: userId, client_id: clientId, aud: RESOURCE, scope: 'orders:read', iss: ISSUER });
    const records = await auditOf(t);
    expect(records.map((r) => r.event)).toEqual(expect.arrayContaining(['public_client.registered', 'consent.granted', 'authorization_code.issued', 'access_token.issued']));
    expect(JSON.stringify(records)).not.toContain(back.searchParams.get('code'));
    expect(JSON.stringify(records)).not.toContain(body.refresh_token);
  });

  it('remembers consent: a covered request gets its code at once, a wider one asks again', async () => {
    const direct = await t.server.app.inject({ method: 'GET', url: authorizeUrl(), headers: cookie() });
    expect(direct.statusCode).toBe(200);
    const location = returned(direct.body);
    expect(new URL(location).searchParams.get('code')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(direct.body).toContain(`<meta http-equiv="refresh" content="0; url=${location.replace(/&/g, '&#38;')}">`);
    expect(direct.headers['referrer-policy']).toBe('no-referrer');
    const wider = await t.server.app.inject({ method: 'GET', url: authorizeUrl({ scope: 'orders:read orders:write' }), headers: cookie() });
    expect(wider.statusCode).toBe(200);
  });

  it('never redirects to an unregistered redirect URI or for an unknown client: an error page instead', async () => {
    for (const url of [authorizeUrl({ redirect_uri: 'https://evil.example.com/cb' }), authorizeUrl({ redirect_uri: 'http://127.0.0.1:4567/callback/other' }), authorizeUrl({ client_id: 'pub_nobody' }), authorizeUrl({ redirect_uri: undefined })]) {
      const response = await t.server.app.inject({ method: 'GET', url, headers: cookie() });
      expect(response.statusCode).toBe(400);
      expect(response.headers.location).toBeUndefined();
      expect(response.body).toContain('Authorization refused');
    }
    expect((await auditOf(t)).filter((r) => r.event === 'authorization.denied' && r.details['redirected'] === false).length).toBeGreaterThanOrEqual(4);
  });

  it('lets the port of a loopback redirect URI vary (RFC 8252 §7.3), nothing else', async () => {
    const other = await t.server.app.inject({ method: 'GET', url: authorizeUrl({ redirect_uri: 'http://127.0.0.1:9999/callback' }), headers: cookie() });
    expect(other.statusCode).toBe(200);
    expect(returned(other.body)).toMatch(/^http:\/\/127\.0\.0\.1:9999\/callback\?code=/);
    const host = await t.server.app.inject({ method: 'GET', url: authorizeUrl({ redirect_uri: 'http://localhost:4567/callback' }), headers: cookie() });
    expect(host.statusCode).toBe(400);
  });

  it.each([
    ['no PKCE', { code_challenge: undefined, code_challenge_method: undefined }, 'invalid_request'],
    ['plain PKCE', { code_challenge_method: 'plain' }, 'invalid_request'],
    ['no method', { code_challenge_method: undefined }, 'invalid_request'],
    ['another response type', { response_type: 'token' }, 'unsupported_response_type'],
    ['no resource', { resource: undefined }, 'invalid_target'],
    ['an unknown resource', { resource: 'https://unknown.example.com' }, 'invalid_target'],
    ['a scope the client did not register', { scope: 'orders:admin' }, 'invalid_scope'],
    ['a privileged scope', { scope: 'agentauth:admin' }, 'invalid_scope'],
  ])('refuses %s back at the redirect URI with state and iss (RFC 6749 §4.1.2.1)', async (_name, over, error) => {
    const response = await t.server.app.inject({ method: 'GET', url: authorizeUrl(over as Record<string, string | undefined>), headers: cookie() });
    expect(response.statusCode).toBe(303);
    const back = new URL(response.headers.location as string);
    expect(`${back.origin}${back.pathname}`).toBe(REDIRECT);
    expect(back.searchParams.get('error')).toBe(error);
    expect(back.searchParams.get('state')).toBe('st-123');
    expect(back.searchParams.get('iss')).toBe(ISSUER);
    expect(back.searchParams.get('code')).toBeNull();
  });

  it('refuses a repeated parameter without redirecting', async () => {
    const response = await t.server.app.inject({ method: 'GET', url: `${authorizeUrl()}&client_id=${clientId}`, headers: cookie() });
    expect(response.statusCode).toBe(400);
  });

  it('answers access_denied when the person denies', async () => {
    const back = await consent(authorizeUrl({ scope: 'orders:write', resource: 'https://other.example.com' }), 'deny');
    expect(back.searchParams.get('error')).toBe('access_denied');
    expect(back.searchParams.get('iss')).toBe(ISSUER);
  });

  it('refuses a consent form without the CSRF token', async () => {
    const response = await t.server.app.inject({ method: 'POST', url: '/authorize', headers: { ...cookie(), ...FORM }, payload: new URLSearchParams({ csrf: 'forged', request: authorizeUrl().slice(11), decision: 'allow' }).toString() });
    expect(response.statusCode).toBe(403);
  });

  it('refuses a wrong code_verifier, another redirect_uri or another client, and the code is spent', async () => {
    const { verifier, challenge } = pkce();
    const cases: [Record<string, string>][] = [[{ code_verifier: pkce().verifier }], [{ redirect_uri: 'https://app.example.com/cb' }], [{ code_verifier: '' }]];
    for (const [over] of cases) {
      const code = await codeFor(challenge);
      const refused = await token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, client_id: clientId, code_verifier: verifier, ...over });
      expect(refused.statusCode).toBe(400);
      expect(refused.json()).toMatchObject({ error: 'invalid_grant' });
      const again = await token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, client_id: clientId, code_verifier: verifier });
      expect(again.json()).toMatchObject({ error: 'invalid_grant' });
    }
  });

  it('expires a code after 60 seconds', async () => {
    const { verifier, challenge } = pkce();
    const code = await codeFor(challenge);
    t.clock.advance(60_000);
    const response = await token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, client_id: clientId, code_verifier: verifier });
    expect(response.json()).toMatchObject({ error: 'invalid_grant' });
  });

  async function redeem(): Promise<{ access_token: string; refresh_token: string }> {
    const { verifier, challenge } = pkce();
    const code = await codeFor(challenge);
    const response = await token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, client_id: clientId, code_verifier: verifier });
    expect(response.statusCode).toBe(200);
    return Object.assign(response.json() as { access_token: string; refresh_token: string }, { code, verifier });
  }

  const introspectActive = async (accessToken: string) => {
    const { jti } = decodeJwt(accessToken);
    return !(await t.server.deps.store.isTokenRevoked(jti as string));
  };

  it('revokes the tokens issued from a code presented twice (RFC 6749 §4.1.2)', async () => {
    const first = (await redeem()) as { access_token: string; refresh_token: string; code: string; verifier: string };
    expect(await introspectActive(first.access_token)).toBe(true);
    const again = await token({ grant_type: 'authorization_code', code: first.code, redirect_uri: REDIRECT, client_id: clientId, code_verifier: first.verifier });
    expect(again.json()).toMatchObject({ error: 'invalid_grant' });
    expect(await introspectActive(first.access_token)).toBe(false);
    const refresh = await token({ grant_type: 'refresh_token', refresh_token: first.refresh_token, client_id: clientId });
    expect(refresh.json()).toMatchObject({ error: 'invalid_grant' });
    expect((await auditOf(t)).some((r) => r.event === 'authorization_grant.revoked' && r.reason === 'code_reused')).toBe(true);
  });

  it('rotates refresh tokens on every use and revokes the family when an old one comes back (RFC 9700 §4.14.2)', async () => {
    const first = await redeem();
    const second = await token({ grant_type: 'refresh_token', refresh_token: first.refresh_token, client_id: clientId });
    expect(second.statusCode).toBe(200);
    const rotated = second.json() as { access_token: string; refresh_token: string };
    expect(rotated.refresh_token).not.toBe(first.refresh_token);
    expect(decodeJwt(rotated.access_token)).toMatchObject({ sub: userId, client_id: clientId, aud: RESOURCE });
    const narrowed = await token({ grant_type: 'refresh_token', refresh_token: rotated.refresh_token, client_id: clientId, scope: 'orders:write' });
    expect(narrowed.json()).toMatchObject({ error: 'invalid_scope' });
    // The old token again: the whole family dies, the newest refresh token and every access token with it.
    const replay = await token({ grant_type: 'refresh_token', refresh_token: first.refresh_token, client_id: clientId });
    expect(replay.json()).toMatchObject({ error: 'invalid_grant' });
    expect(await introspectActive(first.access_token)).toBe(false);
    expect(await introspectActive(rotated.access_token)).toBe(false);
    const newest = await token({ grant_type: 'refresh_token', refresh_token: rotated.refresh_token, client_id: clientId });
    expect(newest.json()).toMatchObject({ error: 'invalid_grant' });
    expect((await auditOf(t)).some((r) => r.event === 'authorization_grant.revoked' && r.reason === 'refresh_token_reused')).toBe(true);
  });

  it('refuses a forged refresh token naming a live grant without revoking its family', async () => {
    const first = await redeem();
    const grantId = first.refresh_token.split('.')[0] as string;
    const forged = await token({ grant_type: 'refresh_token', refresh_token: `${grantId}.${'A'.repeat(43)}.${'B'.repeat(43)}`, client_id: clientId });
    expect(forged.json()).toMatchObject({ error: 'invalid_grant' });
    expect(await introspectActive(first.access_token)).toBe(true);
    expect((await token({ grant_type: 'refresh_token', refresh_token: first.refresh_token, client_id: clientId })).statusCode).toBe(200);
  });

  it('refuses a refresh token sent by another client, and client credentials from a public client', async () => {
    const first = await redeem();
    const other = await token({ grant_type: 'refresh_token', refresh_token: first.refresh_token, client_id: 'pub_someone_else' });
    expect(other.statusCode).toBe(401);
    expect(other.json()).toMatchObject({ error: 'invalid_client' });
    const secret = await token({ grant_type: 'refresh_token', refresh_token: first.refresh_token, client_id: clientId, client_secret: 'x' });
    expect(secret.json()).toMatchObject({ error: 'invalid_client' });
  });

  it('binds the token and the refresh family of a public client to its DPoP key (RFC 9449 §5)', async () => {
    const key = await dpopKey();
    const proof = () => proofFor(t, key, {}, `${ISSUER}/token`);
    const { verifier, challenge } = pkce();
    const code = await codeFor(challenge);
    const first = await token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, client_id: clientId, code_verifier: verifier }, { dpop: await proof() });
    expect(first.statusCode).toBe(200);
    const body = first.json() as { access_token: string; refresh_token: string; token_type: string };
    expect(body.token_type).toBe('DPoP');
    expect(decodeJwt(body.access_token)).toMatchObject({ sub: userId, cnf: { jkt: expect.any(String) } });
    // Without the key, or with another, the refresh token is refused and not rotated.
    const bare = await token({ grant_type: 'refresh_token', refresh_token: body.refresh_token, client_id: clientId });
    expect(bare.json()).toMatchObject({ error: 'invalid_grant' });
    const stranger = await token({ grant_type: 'refresh_token', refresh_token: body.refresh_token, client_id: clientId }, { dpop: await proofFor(t, await dpopKey(), {}, `${ISSUER}/token`) });
    expect(stranger.json()).toMatchObject({ error: 'invalid_grant' });
    const refreshed = await token({ grant_type: 'refresh_token', refresh_token: body.refresh_token, client_id: clientId }, { dpop: await proof() });
    expect(refreshed.statusCode).toBe(200);
    expect(decodeJwt((refreshed.json() as { access_token: string }).access_token).cnf).toEqual(decodeJwt(body.access_token).cnf);
  });

  it('lists consents and revokes one with its authorizations and tokens (page and API)', async () => {
    const first = await redeem();
    const api = await t.server.app.inject({ method: 'GET', url: '/account/api/consents', headers: cookie() });
    expect((api.json() as { consents: { client_id: string; resource: string }[] }).consents).toEqual(expect.arrayContaining([expect.objectContaining({ client_id: clientId, resource: RESOURCE })]));
    const page = await t.server.app.inject({ method: 'GET', url: '/account/consents', headers: cookie() });
    expect(page.body).toContain('Ada MCP');
    const forged = await t.server.app.inject({ method: 'DELETE', url: `/account/api/consents?client_id=${clientId}&resource=${encodeURIComponent(RESOURCE)}`, headers: { ...cookie(), 'x-csrf-token': 'forged' } });
    expect(forged.statusCode).toBe(403);
    const revoke = await t.server.app.inject({ method: 'POST', url: '/account/consents/revoke', headers: { ...cookie(), ...FORM }, payload: new URLSearchParams({ csrf: field(page.body, 'csrf'), client_id: clientId, resource: RESOURCE }).toString() });
    expect(revoke.statusCode).toBe(303);
    expect(await introspectActive(first.access_token)).toBe(false);
    expect((await token({ grant_type: 'refresh_token', refresh_token: first.refresh_token, client_id: clientId })).json()).toMatchObject({ error: 'invalid_grant' });
    expect((await auditOf(t)).some((r) => r.event === 'consent.revoked' && r.details['client_id'] === clientId)).toBe(true);
    const ask = await t.server.app.inject({ method: 'GET', url: authorizeUrl(), headers: cookie() });
    expect(ask.statusCode).toBe(200);
  });

  it('registers public clients strictly (RFC 7591 §3.2.2) and keeps open registration to public clients', async () => {
    const bad = [
      [{ token_endpoint_auth_method: 'none', redirect_uris: ['http://evil.example.com/cb'] }, 'invalid_redirect_uri'],
      [{ token_endpoint_auth_method: 'none', redirect_uris: ['https://a.example.com/cb#frag'] }, 'invalid_redirect_uri'],
      [{ token_endpoint_auth_method: 'none' }, 'invalid_redirect_uri'],
      [{ token_endpoint_auth_method: 'none', redirect_uris: [REDIRECT], grant_types: ['client_credentials'] }, 'invalid_client_metadata'],
      [{ token_endpoint_auth_method: 'none', redirect_uris: [REDIRECT], scope: 'agentauth:admin' }, 'invalid_client_metadata'],
    ] as const;
    for (const [payload, error] of bad) {
      const response = await t.server.app.inject({ method: 'POST', url: '/register', payload });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({ error });
    }
    const agent = await t.server.app.inject({ method: 'POST', url: '/register', payload: { token_endpoint_auth_method: 'private_key_jwt', redirect_uris: [REDIRECT] } });
    expect(agent.statusCode).toBe(401);
  });
});
