import { createLocalJWKSet, decodeProtectedHeader, exportJWK, generateKeyPair, jwtVerify, SignJWT, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenDigester } from '../../src/tokens/token-digest.js';
import { ASSERTION_TYPE, BACKENDS, BOOTSTRAP_TOKEN, TEST_MASTER_KEY, clientAssertion, createAgent, form, FORM, ISSUER, signRawEs256, startTestServer, type TestAgent, type TestServer } from '../support/test-server.js';

describe.each(BACKENDS)('POST /token, client_credentials with private_key_jwt (%s)', (backend) => {
  let t: TestServer;
  let agent: TestAgent;

  beforeAll(async () => {
    t = await startTestServer(backend);
    agent = await createAgent(t.server);
  });
  afterAll(async () => t?.close());

  const token = async (params: Record<string, string | string[]>, headers: Record<string, string> = FORM) =>
    t.server.app.inject({ method: 'POST', url: '/token', headers, payload: form(params) });
  const withAssertion = async (assertion: string, extra: Record<string, string | string[]> = {}) =>
    token({ grant_type: 'client_credentials', client_assertion_type: ASSERTION_TYPE, client_assertion: assertion, ...extra });

  it('issues an RFC 9068 access token that verifies against the published JWKS', async () => {
    const response = await withAssertion(await clientAssertion(agent, t.clock.now()), { scope: 'orders:read' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    const body = response.json();
    expect(body).toEqual({ access_token: expect.any(String), token_type: 'Bearer', expires_in: 300, scope: 'orders:read' });
    expect(body.refresh_token).toBeUndefined();

    const header = decodeProtectedHeader(body.access_token);
    expect(header.typ).toBe('at+jwt');
    expect(header.alg).toBe('ES256');
    const jwks = (await t.server.app.inject({ method: 'GET', url: '/jwks' })).json() as { keys: JWK[] };
    const { payload } = await jwtVerify(body.access_token, createLocalJWKSet(jwks), { issuer: ISSUER, audience: 'https://api.example.com', currentDate: new Date(t.clock.now()), typ: 'at+jwt' });
    expect(payload).toMatchObject({ sub: agent.id, client_id: agent.id, scope: 'orders:read', aud: 'https://api.example.com' });
    expect(payload.exp! - payload.iat!).toBe(300);
    expect(payload.nbf).toBe(payload.iat);
    // The jti sorts by issue time (tokens/token-id.ts): the milliseconds, then 128 random bits.
    expect(payload.jti).toMatch(/^[0-9a-z]{9}[A-Za-z0-9_-]{22}$/);
    expect(parseInt(payload.jti!.slice(0, 9), 36)).toBe(t.clock.now());

    const issued = await t.server.deps.store.getIssuedToken(payload.jti!);
    // The digest of the token exactly as returned is kept with it (token exchange recognises it by that).
    expect(issued).toMatchObject({ agentId: agent.id, clientId: agent.id, tokenDigest: createTokenDigester(TEST_MASTER_KEY).digest(body.access_token) });
    const audit = await t.server.deps.store.queryAudit({ agentId: agent.id, event: 'access_token.issued' }, { limit: 100 });
    expect(audit.items.some((r) => r.details.jti === payload.jti)).toBe(true);
  });

  it('grants every allowed scope when none is asked for, and never down-scopes silently', async () => {
    const all = await withAssertion(await clientAssertion(agent, t.clock.now()));
    expect(all.json().scope).toBe('orders:read orders:write');
    const wider = await withAssertion(await clientAssertion(agent, t.clock.now()), { scope: 'orders:read orders:delete' });
    expect(wider.statusCode).toBe(400);
    expect(wider.json().error).toBe('invalid_scope');
  });

  it('answers invalid_target for a resource the agent may not use', async () => {
    const response = await withAssertion(await clientAssertion(agent, t.clock.now()), { resource: 'https://evil.example.com' });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toBe('invalid_target');
  });

  it.each([
    ['a scope it is not registered for', { scope: 'orders:read orders:delete' }, 'invalid_scope', "scope 'orders:delete' is not one of the scopes this client is registered for"],
    ['a malformed scope', { scope: 'orders:read  orders:write' }, 'invalid_scope', 'scope must be scope-tokens separated by single spaces (RFC 6749 section 3.3: printable ASCII, no quote or backslash)'],
    ['a resource it is not registered for', { resource: 'https://evil.example.com' }, 'invalid_target', "resource 'https://evil.example.com' is not one of the resources this client is registered for"],
    ['a relative resource', { resource: 'api' }, 'invalid_target', "resource 'api' is not an absolute URI (RFC 8707 section 2)"],
    ['a resource with a fragment', { resource: 'https://api.example.com/#x' }, 'invalid_target', "resource 'https://api.example.com/#x' must not have a fragment (RFC 8707 section 2)"],
    ['the issuer without a privileged scope', { resource: ISSUER }, 'invalid_target', 'resource: the issuer identifier is an audience only for clients granted an agentauth:* scope'],
    ['a quote in a scope value', { scope: 'orders:read "x"' }, 'invalid_scope', 'scope must be scope-tokens separated by single spaces (RFC 6749 section 3.3: printable ASCII, no quote or backslash)'],
  ])('says what is wrong with %s: the parameter and the rule, RFC 6749 §5.2 characters only', async (_label, params, error, description) => {
    const response = await withAssertion(await clientAssertion(agent, t.clock.now()), params);
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ error, error_description: description });
    expect(description).toMatch(/^[\x20\x21\x23-\x5B\x5D-\x7E]+$/);
    // The operator's record keeps the private reason.
    const denied = await t.server.deps.store.queryAudit({ agentId: agent.id, event: 'access_token.denied' }, { limit: 500 });
    expect(denied.items.at(-1)?.reason).toMatch(new RegExp(`^${error}: `));
  });

  it('tells a client registered for no resource, or for several, to name one', async () => {
    const none = await createAgent(t.server, { resources: [] });
    const several = await createAgent(t.server, { resources: ['https://a.example.com', 'https://b.example.com'] });
    const noneAnswer = await withAssertion(await clientAssertion(none, t.clock.now()));
    expect(noneAnswer.json()).toEqual({ error: 'invalid_target', error_description: 'resource is required: this client is registered for no resource to default to (RFC 8707 section 2)' });
    const severalAnswer = await withAssertion(await clientAssertion(several, t.clock.now()));
    expect(severalAnswer.json()).toEqual({
      error: 'invalid_target',
      error_description: 'resource is required: this client is registered for 2 resources, name the one the token is for (RFC 8707 section 2)',
    });
  });

  it('refuses a repeated parameter with invalid_request, naming it', async () => {
    const response = await withAssertion(await clientAssertion(agent, t.clock.now()), { scope: ['orders:read', 'orders:write'] });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ error: 'invalid_request', error_description: "parameter 'scope' is repeated" });
  });

  it('refuses a missing grant_type with invalid_request, naming it', async () => {
    const response = await token({ scope: 'orders:read' });
    expect(response.json()).toEqual({ error: 'invalid_request', error_description: 'grant_type missing' });
  });

  it('answers unsupported_grant_type for a grant it does not know', async () => {
    const response = await token({ grant_type: 'password', username: 'a', password: 'b' });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toBe('unsupported_grant_type');
  });

  it('refuses a request without client authentication with 401 invalid_client and a challenge', async () => {
    const response = await token({ grant_type: 'client_credentials' });
    expect(response.statusCode).toBe(401);
    expect(response.json().error).toBe('invalid_client');
    expect(response.headers['www-authenticate']).toMatch(/^Basic /);
  });

  it('refuses a body over 64 KiB with 413', async () => {
    const response = await token({ grant_type: 'client_credentials', padding: 'x'.repeat(65 * 1024) });
    expect(response.statusCode).toBe(413);
    expect(response.json().error).toBe('invalid_request');
  });

  it('refuses a JSON body with invalid_request naming the media type to send, never a 500', async () => {
    const response = await t.server.app.inject({ method: 'POST', url: '/token', headers: { 'content-type': 'application/json' }, payload: '{"grant_type":' });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toBe('invalid_request');
    expect(response.json().error_description).toContain('application/x-www-form-urlencoded');
  });

  it('refuses a form body that is not a form with an RFC error, never a 500', async () => {
    const response = await t.server.app.inject({ method: 'POST', url: '/token', headers: FORM, payload: '%%%&&&==\u0000' });
    expect(response.statusCode).toBeGreaterThanOrEqual(400);
    expect(response.statusCode).toBeLessThan(500);
    expect(['invalid_request', 'invalid_client']).toContain(response.json().error);
  });

  describe('hostile client assertions (each is invalid_client, audited, and issues nothing)', () => {
    const cases: [string, (now: number) => Promise<string>][] = [
      ['malformed JWT', async () => 'not.a.jwt'],
      ['two segments only', async () => 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0'],
      ['oversized JWT', async (now) => clientAssertion(agent, now, { claims: { padding: 'x'.repeat(9000) } })],
      ['alg none', async (now) => unsigned({ alg: 'none' }, baseClaims(now))],
      ['HMAC signed with the public key', async (now) => new SignJWT(baseClaims(now)).setProtectedHeader({ alg: 'HS256', kid: agent.kid }).sign(new TextEncoder().encode(JSON.stringify(agent.publicJwk)))],
      ['embedded jwk header', async (now) => selfSignedWithHeader(now, 'jwk')],
      ['jku header', async (now) => clientAssertion(agent, now, { header: { jku: 'https://evil.example/jwks' } })],
      ['x5u header', async (now) => clientAssertion(agent, now, { header: { x5u: 'https://evil.example/cert' } })],
      ['unknown kid', async (now) => clientAssertion(agent, now, { header: { kid: 'nope' } })],
      ['signed by another key', async (now) => clientAssertion(agent, now, { key: (await generateKeyPair('ES256')).privateKey })],
      ['expired', async (now) => clientAssertion(agent, now, { claims: { iat: Math.floor(now / 1000) - 600, exp: Math.floor(now / 1000) - 60 } })],
      ['not yet valid', async (now) => clientAssertion(agent, now, { claims: { nbf: Math.floor(now / 1000) + 120 } })],
      ['exp more than 5 minutes ahead', async (now) => clientAssertion(agent, now, { claims: { exp: Math.floor(now / 1000) + 3600 } })],
      ['aud is the token endpoint, not the issuer', async (now) => clientAssertion(agent, now, { claims: { aud: `${ISSUER}/token` } })],
      ['aud as an array', async (now) => clientAssertion(agent, now, { claims: { aud: [ISSUER] } })],
      ['missing jti', async (now) => clientAssertion(agent, now, { claims: { jti: undefined } })],
      ['missing exp', async (now) => clientAssertion(agent, now, { claims: { exp: undefined } })],
      ['sub differs from iss', async (now) => clientAssertion(agent, now, { claims: { sub: 'agt_someoneelse' } })],
      ['crit header', async (now) => signRawEs256({ alg: 'ES256', kid: agent.kid, crit: ['x-must'], 'x-must': true }, baseClaims(now), agent.privateKey)],
    ];

    function baseClaims(now: number) {
      const iat = Math.floor(now / 1000);
      return { iss: agent.id, sub: agent.id, aud: ISSUER, jti: crypto.randomUUID(), iat, exp: iat + 60 };
    }
    function unsigned(header: object, claims: object) {
      const b64 = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');
      return `${b64(header)}.${b64(claims)}.`;
    }
    async function selfSignedWithHeader(now: number, _name: 'jwk') {
      const attacker = await generateKeyPair('ES256');
      return new SignJWT(baseClaims(now)).setProtectedHeader({ alg: 'ES256', kid: agent.kid, jwk: await exportJWK(attacker.publicKey) }).sign(attacker.privateKey);
    }

    it.each(cases)('%s', async (_name, make) => {
      const before = await t.server.deps.store.queryAudit({ agentId: agent.id, event: 'access_token.issued' }, { limit: 500 });
      const failuresBefore = await t.server.deps.store.queryAudit({ event: 'client_authentication.failed' }, { limit: 500 });
      const response = await token({ grant_type: 'client_credentials', client_assertion_type: ASSERTION_TYPE, client_assertion: await make(t.clock.now()) });
      expect(response.statusCode).toBe(401);
      expect(response.json()).toEqual({ error: 'invalid_client', error_description: 'Client authentication failed.' });
      const after = await t.server.deps.store.queryAudit({ agentId: agent.id, event: 'access_token.issued' }, { limit: 500 });
      expect(after.items.length).toBe(before.items.length);
      const failuresAfter = await t.server.deps.store.queryAudit({ event: 'client_authentication.failed' }, { limit: 500 });
      expect(failuresAfter.items.length).toBe(failuresBefore.items.length + 1);
    });
  });

  it('accepts an assertion once: the replay is invalid_client', async () => {
    const assertion = await clientAssertion(agent, t.clock.now());
    expect((await withAssertion(assertion)).statusCode).toBe(200);
    const replay = await withAssertion(assertion);
    expect(replay.statusCode).toBe(401);
    expect(replay.json().error).toBe('invalid_client');
  });

  it('refuses a suspended agent at once, and its tokens introspect inactive at once', async () => {
    const victim = await createAgent(t.server, { name: 'to-suspend' });
    const inspector = await createAgent(t.server, { name: 'inspector', scopes: ['agentauth:introspect'] });
    const issued = await withAssertion(await clientAssertion(victim, t.clock.now()));
    expect(issued.statusCode).toBe(200);
    const accessToken = issued.json().access_token as string;
    const introspect = async () =>
      t.server.app.inject({
        method: 'POST',
        url: '/introspect',
        headers: FORM,
        payload: form({ token: accessToken, client_assertion_type: ASSERTION_TYPE, client_assertion: await clientAssertion(inspector, t.clock.now()) }),
      });
    expect((await introspect()).json()).toMatchObject({ active: true, sub: victim.id });

    const suspend = await t.server.app.inject({ method: 'POST', url: `/admin/v1/agents/${victim.id}/suspend`, headers: { authorization: `Bearer ${BOOTSTRAP_TOKEN}` } });
    expect(suspend.statusCode).toBe(200);

    const refused = await withAssertion(await clientAssertion(victim, t.clock.now()));
    expect(refused.statusCode).toBe(401);
    expect(refused.json().error).toBe('invalid_client');
    const after = await introspect();
    expect(after.statusCode).toBe(200);
    expect(after.json()).toEqual({ active: false });
  });
});
