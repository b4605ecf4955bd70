import { calculateJwkThumbprint, createLocalJWKSet, jwtVerify, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, BOOTSTRAP_TOKEN, clientAssertion, createAgent, form, FORM, ASSERTION_TYPE, startTestServer, type TestAgent, type TestServer } from '../../support/test-server.js';
import { accessTokenClaims, DPOP_ISSUER, dpopKey, proofFor, tokenRequest, TOKEN_URL, unsignedProof, type DpopTestKey } from './dpop-support.js';

describe.each(BACKENDS)('DPoP at POST /token (%s)', (backend) => {
  let t: TestServer;
  let agent: TestAgent;
  let key: DpopTestKey;
  let otherKey: DpopTestKey;

  beforeAll(async () => {
    t = await startTestServer(backend, { AGENTAUTH_ISSUER: DPOP_ISSUER });
    agent = await createAgent(t.server, { scopes: ['orders:read', 'agentauth:introspect'] });
    key = await dpopKey('ES256');
    otherKey = await dpopKey('ES256');
  });
  afterAll(async () => t?.close());

  const post = (path: string, params: Record<string, string>) =>
    clientAssertion(agent, t.clock.now(), { claims: { aud: DPOP_ISSUER } }).then((assertion) =>
      t.server.app.inject({ method: 'POST', url: path, headers: FORM, payload: form({ client_assertion_type: ASSERTION_TYPE, client_assertion: assertion, ...params }) }),
    );

  const expectRefused = (response: { statusCode: number; json(): unknown }, error = 'invalid_dpop_proof') => {
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ error, error_description: expect.any(String) });
  };

  describe('a valid proof', () => {
    it('binds the token to the proof key: token_type DPoP and cnf.jkt, verifiable against the JWKS', async () => {
      const response = await tokenRequest(t, agent, await proofFor(t, key));
      expect(response.statusCode).toBe(200);
      const body = response.json() as { access_token: string; token_type: string };
      expect(body.token_type).toBe('DPoP');
      const jwks = (await t.server.app.inject({ method: 'GET', url: '/jwks' })).json() as { keys: JWK[] };
      const { payload } = await jwtVerify(body.access_token, createLocalJWKSet(jwks), { issuer: DPOP_ISSUER, currentDate: new Date(t.clock.now()), typ: 'at+jwt' });
      expect(payload.cnf).toEqual({ jkt: await calculateJwkThumbprint(key.publicJwk) });
      // Nonces are off by default: no DPoP-Nonce header.
      expect(response.headers['dpop-nonce']).toBeUndefined();
    });

    it('issues a plain bearer token without a proof to a client not bound to DPoP', async () => {
      const response = await tokenRequest(t, agent, undefined);
      expect(response.statusCode).toBe(200);
      expect(response.json().token_type).toBe('Bearer');
      expect(accessTokenClaims(response).cnf).toBeUndefined();
    });

    it('records the thumbprint in the audit record of the issued token', async () => {
      const response = await tokenRequest(t, agent, await proofFor(t, key));
      const { jti } = accessTokenClaims(response);
      const audit = await t.server.deps.store.queryAudit({ agentId: agent.id, event: 'access_token.issued' }, { limit: 100 });
      const record = audit.items.find((r) => r.details.jti === jti);
      expect(record?.details).toMatchObject({ token_type: 'DPoP', dpop_jkt: await calculateJwkThumbprint(key.publicJwk), dpop_alg: 'ES256' });
    });

    it.each([
      ['extra claims', {}, { claims: { extra: 'x', nested: { a: 1 } } }],
      ['an upper-case scheme and host', { htu: 'HTTPS://AS.EXAMPLE.COM/token' }, {}],
      ['the default port', { htu: 'https://as.example.com:443/token' }, {}],
      ['a query on htu', { htu: 'https://as.example.com/token?x=1' }, {}],
    ] as const)('accepts %s (RFC 9449 §4.3)', async (_name, where: { htu?: string }, overrides) => {
      const response = await tokenRequest(t, agent, await proofFor(t, key, overrides, where.htu ?? TOKEN_URL));
      expect(response.statusCode).toBe(200);
      expect(response.json().token_type).toBe('DPoP');
    });

    it.each(['EdDSA', 'PS256'] as const)('accepts a %s proof', async (alg) => {
      const response = await tokenRequest(t, agent, await proofFor(t, await dpopKey(alg)));
      expect(response.statusCode).toBe(200);
    });

    it('advertises dpop_signing_alg_values_supported (RFC 9449 §5.1)', async () => {
      const metadata = (await t.server.app.inject({ method: 'GET', url: '/.well-known/oauth-authorization-server' })).json();
      expect(metadata.dpop_signing_alg_values_supported).toEqual(['ES256', 'EdDSA', 'PS256']);
    });
  });

  describe('bad input: 400 invalid_dpop_proof, and no token', () => {
    it('two DPoP headers', async () => {
      expectRefused(await tokenRequest(t, agent, [await proofFor(t, key), await proofFor(t, key)]));
      const denied = await t.server.deps.store.queryAudit({ agentId: agent.id, event: 'access_token.denied' }, { limit: 500 });
      expect(denied.items.at(-1)?.reason).toBe('invalid_dpop_proof: DPoP: more than one DPoP header');
    });
    it('a malformed JWT', async () => {
      expectRefused(await tokenRequest(t, agent, 'not-a-jwt'));
    });
    it('a missing typ', async () => {
      expectRefused(await tokenRequest(t, agent, await proofFor(t, key, { header: { typ: undefined } })));
    });
    it('a wrong typ', async () => {
      expectRefused(await tokenRequest(t, agent, await proofFor(t, key, { header: { typ: 'JWT' } })));
    });
    it('alg none', async () => {
      const proof = unsignedProof({ typ: 'dpop+jwt', alg: 'none', jwk: key.publicJwk }, { jti: crypto.randomUUID(), htm: 'POST', htu: TOKEN_URL, iat: Math.floor(t.clock.now() / 1000) }, 'AA');
      expectRefused(await tokenRequest(t, agent, proof));
    });
    it('HMAC', async () => {
      const proof = await proofFor(t, key, { header: { alg: 'HS256', jwk: { kty: 'oct', k: 'c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0' } }, signWith: new TextEncoder().encode('secret-secret-secret-secret') });
      expectRefused(await tokenRequest(t, agent, proof));
    });
    it('RS256, which is not allowed', async () => {
      expectRefused(await tokenRequest(t, agent, await proofFor(t, await dpopKey('RS256'))));
    });
    it('a bad signature', async () => {
      expectRefused(await tokenRequest(t, agent, await proofFor(t, key, { signWith: otherKey.privateKey })));
    });
    it('a private key in jwk', async () => {
      expectRefused(await tokenRequest(t, agent, await proofFor(t, key, { header: { jwk: key.privateJwk } })));
    });
    it.each(['jti', 'htm', 'htu', 'iat'])('a missing %s', async (claim) => {
      expectRefused(await tokenRequest(t, agent, await proofFor(t, key, { claims: { [claim]: undefined } })));
    });
    it('a wrong htm', async () => {
      expectRefused(await tokenRequest(t, agent, await proofFor(t, key, {}, TOKEN_URL, 'GET')));
    });
    it('another htu', async () => {
      expectRefused(await tokenRequest(t, agent, await proofFor(t, key, {}, 'https://as.example.com/introspect')));
    });
    it('iat an hour ago', async () => {
      expectRefused(await tokenRequest(t, agent, await proofFor(t, key, { claims: { iat: Math.floor(t.clock.now() / 1000) - 3600 } })));
    });
    it('iat an hour ahead', async () => {
      expectRefused(await tokenRequest(t, agent, await proofFor(t, key, { claims: { iat: Math.floor(t.clock.now() / 1000) + 3600 } })));
    });
    it('a replayed jti', async () => {
      const proof = await proofFor(t, key);
      expect((await tokenRequest(t, agent, proof)).statusCode).toBe(200);
      expectRefused(await tokenRequest(t, agent, proof));
    });
    it('an oversized proof', async () => {
      expectRefused(await tokenRequest(t, agent, await proofFor(t, key, { claims: { padding: 'x'.repeat(9_000) } })));
    });

    it('writes the private reason to the audit record, never the proof', async () => {
      const proof = await proofFor(t, key, { claims: { htm: 'PUT' } });
      const response = await tokenRequest(t, agent, proof);
      expectRefused(response);
      const denied = await t.server.deps.store.queryAudit({ agentId: agent.id, event: 'access_token.denied' }, { limit: 500 });
      const record = denied.items.at(-1);
      expect(record?.reason).toBe('invalid_dpop_proof: DPoP: htm does not match the request method');
      expect(JSON.stringify(record)).not.toContain(proof.split('.')[1]);
    });
  });

  describe('introspection and revocation of a DPoP-bound token', () => {
    it('introspects as token_type DPoP with cnf.jkt (RFC 9449 §6.2), and revokes', async () => {
      const issued = await tokenRequest(t, agent, await proofFor(t, key));
      const token = (issued.json() as { access_token: string }).access_token;
      const introspected = (await post('/introspect', { token })).json();
      expect(introspected).toMatchObject({ active: true, token_type: 'DPoP', cnf: { jkt: await calculateJwkThumbprint(key.publicJwk) } });

      expect((await post('/revoke', { token })).statusCode).toBe(200);
      expect((await post('/introspect', { token })).json()).toEqual({ active: false });
    });

    it('introspects a bearer token as token_type Bearer', async () => {
      const token = ((await tokenRequest(t, agent, undefined)).json() as { access_token: string }).access_token;
      expect((await post('/introspect', { token })).json()).toMatchObject({ active: true, token_type: 'Bearer' });
    });
  });

  describe('dpop_bound_access_tokens (RFC 9449 §5.2)', () => {
    let bound: TestAgent;
    beforeAll(async () => {
      bound = await createAgent(t.server, { dpop_bound_access_tokens: true });
    });

    it('refuses a token request without a proof with invalid_request, and issues one with a proof', async () => {
      expectRefused(await tokenRequest(t, bound, undefined), 'invalid_request');
      const response = await tokenRequest(t, bound, await proofFor(t, key));
      expect(response.statusCode).toBe(200);
      expect(response.json().token_type).toBe('DPoP');
    });

    it('shows the setting in the admin API and lets an administrator turn it off', async () => {
      const admin = { authorization: `Bearer ${BOOTSTRAP_TOKEN}` };
      const shown = await t.server.app.inject({ method: 'GET', url: `/admin/v1/agents/${bound.id}`, headers: admin });
      expect(shown.json().dpop_bound_access_tokens).toBe(true);
      const plain = await t.server.app.inject({ method: 'GET', url: `/admin/v1/agents/${agent.id}`, headers: admin });
      expect(plain.json().dpop_bound_access_tokens).toBe(false);

      const patched = await t.server.app.inject({ method: 'PATCH', url: `/admin/v1/agents/${bound.id}`, headers: admin, payload: { dpop_bound_access_tokens: false } });
      expect(patched.statusCode).toBe(200);
      expect((await tokenRequest(t, bound, undefined)).statusCode).toBe(200);
      const restored = await t.server.app.inject({ method: 'PATCH', url: `/admin/v1/agents/${bound.id}`, headers: admin, payload: { dpop_bound_access_tokens: true } });
      expect(restored.statusCode).toBe(200);
      expectRefused(await tokenRequest(t, bound, undefined), 'invalid_request');
    });

    it('is registered through RFC 7591 client metadata and returned in the client information', async () => {
      const response = await t.server.app.inject({
        method: 'POST',
        url: '/register',
        headers: { authorization: `Bearer ${BOOTSTRAP_TOKEN}` },
        payload: { owner: 'team-dpop', resources: ['https://api.example.com'], token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [{ ...otherKey.publicJwk, kid: 'r1' }] }, dpop_bound_access_tokens: true },
      });
      expect(response.statusCode).toBe(201);
      expect(response.json().dpop_bound_access_tokens).toBe(true);
      const refused = await t.server.app.inject({
        method: 'POST',
        url: '/register',
        headers: { authorization: `Bearer ${BOOTSTRAP_TOKEN}` },
        payload: { owner: 'team-dpop', resources: ['https://api.example.com'], token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [{ ...otherKey.publicJwk, kid: 'r2' }] }, dpop_bound_access_tokens: 'yes' },
      });
      expect(refused.statusCode).toBe(400);
      expect(refused.json()).toEqual({ error: 'invalid_client_metadata', error_description: 'dpop_bound_access_tokens must be a boolean' });
    });
  });
});
