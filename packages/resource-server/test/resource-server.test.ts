import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createResourceServer,
  maxDelegationDepth,
  requireDirect,
  requireScopes,
  RevocationState,
  VerificationError,
  type Principal,
  type ResourceServer,
  type ResourceServerOptions,
  type VerificationErrorCode,
} from '../src/index.js';
import { createAgent, dpopKeyPair, dpopProof, issueToken, mintWithServerKey, startRealServer, type DpopKeyPair, type RealServer, type TestAgent } from './support/real-server.js';

const RESOURCE = 'https://api.example.com';
const URL_ORDERS = `${RESOURCE}/orders?page=2`;

let server: RealServer;
let agent: TestAgent;
let revocation: RevocationState;
let rs: ResourceServer;
let clientKey: DpopKeyPair;

function make(overrides: Partial<ResourceServerOptions> = {}): ResourceServer {
  return createResourceServer({ issuer: server.issuer, resource: RESOURCE, revocation, ...overrides });
}

beforeAll(async () => {
  server = await startRealServer();
  agent = await createAgent(server.server, { resources: [RESOURCE, 'https://other.example.com'] });
  revocation = new RevocationState();
  rs = make();
  clientKey = await dpopKeyPair();
});
afterAll(async () => {
  await server.close();
});

function bearer(token: string, url = URL_ORDERS): Request {
  return new Request(url, { headers: { authorization: `Bearer ${token}` } });
}

async function refusal(promise: Promise<unknown>): Promise<VerificationError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(VerificationError);
    return error as VerificationError;
  }
  throw new Error('request was accepted');
}

async function code(promise: Promise<unknown>): Promise<VerificationErrorCode> {
  return (await refusal(promise)).code;
}

describe('createResourceServer: tokens from the real server', () => {
  it('verifies a bearer token and returns the principal', async () => {
    const token = await issueToken(server, agent, { resource: RESOURCE, scope: 'orders:read' });
    const principal: Principal = await rs.verifyRequest(bearer(token), { checks: [requireScopes('orders:read'), requireDirect()] });
    expect(principal).toMatchObject({ agentId: agent.id, clientId: agent.id, scopes: ['orders:read'], audience: [RESOURCE], actors: [], binding: 'bearer', taskId: undefined });
    expect(principal.claims.iss).toBe(server.issuer);
  });

  it('refuses a token for another resource (aud), and one from another issuer configuration', async () => {
    const token = await issueToken(server, agent, { resource: 'https://other.example.com', scope: 'orders:read' });
    expect(await code(rs.verifyRequest(bearer(token)))).toBe('ERR_TOKEN_AUDIENCE');
    const good = await issueToken(server, agent, { resource: RESOURCE });
    const foreign = createResourceServer({ issuer: `${server.issuer}/tenant`, resource: RESOURCE, revocation: 'off', fetch: (_url, init) => fetch(`${server.issuer}/.well-known/oauth-authorization-server`, init) });
    // The metadata names another issuer: RFC 8414 §3.3 says stop, and we cannot get keys (503).
    expect(await code(foreign.verifyRequest(bearer(good)))).toBe('ERR_ISSUER_UNAVAILABLE');
  });

  it('answers a request without a token with one challenge per scheme and no error (RFC 6750 §3.1)', async () => {
    const error = await refusal(rs.verifyRequest(new Request(URL_ORDERS)));
    expect(error.code).toBe('ERR_REQUEST_NO_TOKEN');
    const response = rs.errorResponse(error);
    expect(response.status).toBe(401);
    expect(response.headers['www-authenticate']).toBe(
      `Bearer resource_metadata="${RESOURCE}/.well-known/oauth-protected-resource", DPoP algs="ES256 EdDSA PS256", resource_metadata="${RESOURCE}/.well-known/oauth-protected-resource"`,
    );
    expect(response.body).toBeUndefined();
  });

  it('refuses a missing scope with 403 insufficient_scope naming the scope', async () => {
    const token = await issueToken(server, agent, { resource: RESOURCE, scope: 'orders:read' });
    const error = await refusal(rs.verifyRequest(bearer(token), { checks: [requireScopes('orders:read', 'orders:write')] }));
    const response = rs.errorResponse(error);
    expect(response.status).toBe(403);
    expect(response.headers['www-authenticate']).toContain('Bearer error="insufficient_scope"');
    expect(response.headers['www-authenticate']).toContain('scope="orders:read orders:write"');
  });

  it('refuses a revoked jti, and every earlier token of a revoked agent', async () => {
    const state = new RevocationState();
    const local = make({ revocation: state });
    const first = await issueToken(server, agent, { resource: RESOURCE });
    const second = await issueToken(server, agent, { resource: RESOURCE });
    const { jti } = (await local.verifyRequest(bearer(first))).claims;
    state.revokeToken(jti);
    expect(await code(local.verifyRequest(bearer(first)))).toBe('ERR_TOKEN_REVOKED');
    await expect(local.verifyRequest(bearer(second))).resolves.toBeDefined();
    state.revokeAgent(agent.id, Math.ceil(Date.now() / 1000) + 1);
    expect(await code(local.verifyRequest(bearer(second)))).toBe('ERR_TOKEN_REVOKED');
  });

  it('flattens the act chain, most recent actor first, and applies delegation limits to it (RFC 8693 §4.1)', async () => {
    const delegated = await mintWithServerKey(server, { act: { sub: 'agent-b', client_id: 'agent-b', act: { sub: 'agent-c', iss: 'https://other.example' } } });
    const principal = await rs.verifyRequest(bearer(delegated));
    // Each entry is that actor's own claims: the prior actor is the next entry, not nested inside.
    expect(principal.actors).toEqual([{ sub: 'agent-b', client_id: 'agent-b' }, { sub: 'agent-c', iss: 'https://other.example' }]);
    expect(await code(rs.verifyRequest(bearer(delegated), { checks: [requireDirect()] }))).toBe('ERR_DELEGATION_REFUSED');
    expect(await code(rs.verifyRequest(bearer(delegated), { checks: [maxDelegationDepth(1)] }))).toBe('ERR_DELEGATION_REFUSED');
    await expect(rs.verifyRequest(bearer(delegated), { checks: [maxDelegationDepth(2)] })).resolves.toBeDefined();
    expect(rs.errorResponse(await refusal(rs.verifyRequest(bearer(delegated), { checks: [requireDirect()] }))).status).toBe(403);
  });

  it("needs an explicit revocation choice: 'off' or a source", () => {
    expect(() => createResourceServer({ issuer: server.issuer, resource: RESOURCE } as ResourceServerOptions)).toThrow(TypeError);
    expect(() => createResourceServer({ issuer: 'http://evil.example', resource: RESOURCE, revocation: 'off' })).toThrow(TypeError);
  });
});

describe('createResourceServer: DPoP (RFC 9449 §7)', () => {
  const dpopRequest = (token: string, proof: string | undefined, url = URL_ORDERS, method = 'GET') =>
    new Request(url, { method, headers: { authorization: `DPoP ${token}`, ...(proof === undefined ? {} : { dpop: proof }) } });

  it('accepts a DPoP-bound token with a matching proof', async () => {
    const token = await mintWithServerKey(server, { cnf: { jkt: clientKey.jkt } });
    const proof = await dpopProof(clientKey, { method: 'GET', url: URL_ORDERS, accessToken: token });
    expect((await rs.verifyRequest(dpopRequest(token, proof))).binding).toBe('dpop');
  });

  it('refuses a DPoP-bound token presented as Bearer, with a DPoP challenge', async () => {
    const token = await mintWithServerKey(server, { cnf: { jkt: clientKey.jkt } });
    const error = await refusal(rs.verifyRequest(bearer(token)));
    expect(error.code).toBe('ERR_DPOP_REQUIRED');
    expect(rs.errorResponse(error).headers['www-authenticate']).toMatch(/^DPoP error="invalid_token", error_description="[^"]+", algs="ES256 EdDSA PS256", resource_metadata=/);
  });

  it('refuses a replayed proof, a proof from another key, and a proof for another URL or method', async () => {
    const token = await mintWithServerKey(server, { cnf: { jkt: clientKey.jkt } });
    const proof = await dpopProof(clientKey, { method: 'GET', url: URL_ORDERS, accessToken: token });
    await rs.verifyRequest(dpopRequest(token, proof));
    expect(await code(rs.verifyRequest(dpopRequest(token, proof)))).toBe('ERR_DPOP_REPLAY');
    const other = await dpopKeyPair();
    expect(await code(rs.verifyRequest(dpopRequest(token, await dpopProof(other, { method: 'GET', url: URL_ORDERS, accessToken: token }))))).toBe('ERR_TOKEN_BINDING');
    expect(await code(rs.verifyRequest(dpopRequest(token, await dpopProof(clientKey, { method: 'GET', url: `${RESOURCE}/admin`, accessToken: token }))))).toBe('ERR_DPOP_PROOF');
    expect(await code(rs.verifyRequest(dpopRequest(token, await dpopProof(clientKey, { method: 'POST', url: URL_ORDERS, accessToken: token }))))).toBe('ERR_DPOP_PROOF');
    const error = await refusal(rs.verifyRequest(dpopRequest(token, await dpopProof(clientKey, { method: 'GET', url: URL_ORDERS }))));
    expect(error.code).toBe('ERR_DPOP_PROOF');
    expect(rs.errorResponse(error).headers['www-authenticate']).toMatch(/^DPoP error="invalid_dpop_proof"/);
  });

  it('checks htu against the configured public origin, not the Host the request claims', async () => {
    const token = await mintWithServerKey(server, { cnf: { jkt: clientKey.jkt } });
    const proof = await dpopProof(clientKey, { method: 'GET', url: 'https://evil.example/orders', accessToken: token });
    expect(await code(rs.verifyRequest(dpopRequest(token, proof, 'https://evil.example/orders')))).toBe('ERR_DPOP_PROOF');
  });

  it('refuses the DPoP scheme with a token that is not DPoP-bound', async () => {
    const token = await issueToken(server, agent, { resource: RESOURCE });
    const proof = await dpopProof(clientKey, { method: 'GET', url: URL_ORDERS, accessToken: token });
    expect(await code(rs.verifyRequest(dpopRequest(token, proof)))).toBe('ERR_DPOP_NOT_BOUND');
  });

  it('requires a server nonce when configured, and says which in DPoP-Nonce (RFC 9449 §9)', async () => {
    const strict = make({ dpop: { requireNonce: true } });
    const token = await mintWithServerKey(server, { cnf: { jkt: clientKey.jkt } });
    const error = await refusal(strict.verifyRequest(dpopRequest(token, await dpopProof(clientKey, { method: 'GET', url: URL_ORDERS, accessToken: token }))));
    expect(error.code).toBe('ERR_DPOP_NONCE');
    const response = strict.errorResponse(error);
    expect(response.headers['www-authenticate']).toMatch(/^DPoP error="use_dpop_nonce"/);
    const nonce = response.headers['dpop-nonce'];
    expect(nonce).toMatch(/^[A-Za-z0-9_-]{22}$/);
    const proof = await dpopProof(clientKey, { method: 'GET', url: URL_ORDERS, accessToken: token, nonce });
    await expect(strict.verifyRequest(dpopRequest(token, proof))).resolves.toMatchObject({ binding: 'dpop' });
  });

  it('refuses every bearer token when DPoP is required', async () => {
    const strict = make({ dpop: { required: true } });
    const token = await issueToken(server, agent, { resource: RESOURCE });
    const error = await refusal(strict.verifyRequest(bearer(token)));
    expect(error.code).toBe('ERR_DPOP_REQUIRED');
    expect(strict.metadata().dpop_bound_access_tokens_required).toBe(true);
  });

  it('refuses a garbage token where DPoP is required as a bad token, not as a missing proof', async () => {
    const strict = make({ dpop: { required: true } });
    for (const request of [bearer('not.a.token'), dpopRequest('not.a.token', undefined), dpopRequest('garbage', 'not-a-proof')]) {
      const error = await refusal(strict.verifyRequest(request));
      expect([error.code, error.message]).toEqual(['ERR_TOKEN_MALFORMED', 'access token is malformed']);
      // Only DPoP is accepted here, so the challenge names DPoP, with the token as the reason.
      expect(strict.errorResponse(error).headers['www-authenticate']).toMatch(/^DPoP error="invalid_token", error_description="the access token is invalid", algs="[^"]+", resource_metadata="[^"]+"$/);
    }
    // A well-formed token still hears about the proof it lacks.
    const token = await mintWithServerKey(server, { cnf: { jkt: clientKey.jkt } });
    expect(await code(strict.verifyRequest(dpopRequest(token, undefined)))).toBe('ERR_DPOP_PROOF');
    expect(await code(strict.verifyRequest(bearer(token)))).toBe('ERR_DPOP_REQUIRED');
  });

  it('answers another scheme (Basic) as a request without a token: 401, a challenge per scheme, no error (RFC 6750 §3.1)', async () => {
    const error = await refusal(rs.verifyRequest(new Request(URL_ORDERS, { headers: { authorization: `Basic ${Buffer.from('user:pass').toString('base64')}` } })));
    expect(error.code).toBe('ERR_REQUEST_NO_TOKEN');
    const response = rs.errorResponse(error);
    expect([response.status, response.body]).toEqual([401, undefined]);
    expect(response.headers['www-authenticate']).toBe(`Bearer resource_metadata="${rs.metadataUrl}", DPoP algs="ES256 EdDSA PS256", resource_metadata="${rs.metadataUrl}"`);
    const strict = make({ dpop: { required: true } });
    const onlyDpop = strict.errorResponse(await refusal(strict.verifyRequest(new Request(URL_ORDERS, { headers: { authorization: 'Basic dXNlcjpwYXNz' } }))));
    expect([onlyDpop.status, onlyDpop.headers['www-authenticate']]).toEqual([401, `DPoP algs="ES256 EdDSA PS256", resource_metadata="${rs.metadataUrl}"`]);
  });
});

describe('createResourceServer: certificate-bound tokens (RFC 8705 §3)', () => {
  const certificate = new Uint8Array(Buffer.from('3082010a0282010100c0ffee', 'hex'));
  const another = new Uint8Array(Buffer.from('3082010a0282010100bad0', 'hex'));
  const thumbprint = async (der: Uint8Array) => Buffer.from(await crypto.subtle.digest('SHA-256', new Uint8Array(der))).toString('base64url');

  it('accepts the token over a connection with the bound certificate, and no other', async () => {
    const token = await mintWithServerKey(server, { cnf: { 'x5t#S256': await thumbprint(certificate) } });
    await expect(rs.verifyRequest(bearer(token), { peerCertificate: { raw: certificate } })).resolves.toMatchObject({ binding: 'mtls' });
    expect(await code(rs.verifyRequest(bearer(token), { peerCertificate: another }))).toBe('ERR_MTLS_BINDING');
    expect(await code(rs.verifyRequest(bearer(token)))).toBe('ERR_MTLS_BINDING');
  });

  it('refuses a confirmation method it cannot check', async () => {
    const token = await mintWithServerKey(server, { cnf: { 'x5t#S256': await thumbprint(certificate), kid: 'something' } });
    expect(await code(rs.verifyRequest(bearer(token), { peerCertificate: certificate }))).toBe('ERR_TOKEN_BINDING');
  });
});

describe('createResourceServer: keys', () => {
  it('keeps validating from its cache when the server is unreachable', async () => {
    const other = await startRealServer();
    const otherAgent = await createAgent(other.server, { resources: [RESOURCE] });
    const local = createResourceServer({ issuer: other.issuer, resource: RESOURCE, revocation: 'off' });
    const token = await issueToken(other, otherAgent, { resource: RESOURCE });
    await local.verifyRequest(bearer(token));
    await other.close();
    await expect(local.verifyRequest(bearer(token))).resolves.toMatchObject({ agentId: otherAgent.id });
    // An unknown kid while unreachable: refused as unknown, not a 500.
    const forged = `${Buffer.from(JSON.stringify({ alg: 'ES256', typ: 'at+jwt', kid: 'nope' })).toString('base64url')}.${token.split('.')[1]}.${token.split('.')[2]}`;
    expect(await code(local.verifyRequest(bearer(forged)))).toBe('ERR_TOKEN_KEY_UNKNOWN');
  });

  it('refreshes on an unknown kid at most once per cooldown, and so picks up a rotated key', async () => {
    let jwksFetches = 0;
    const counting: typeof fetch = (input, init) => {
      if (String(input).endsWith('/jwks')) jwksFetches += 1;
      return fetch(input, init);
    };
    let now = Date.now();
    const local = make({ fetch: counting, keys: { cooldownMs: 60_000 }, now: () => now });
    const before = await issueToken(server, agent, { resource: RESOURCE });
    await local.verifyRequest(bearer(before));
    expect(jwksFetches).toBe(1);

    // The prepared key is published before it signs (SPIRE-style): two rotations reach a key made after our fetch.
    await server.server.deps.keys.rotateNow({ force: true });
    await server.server.deps.keys.rotateNow({ force: true });
    const after = await issueToken(server, agent, { resource: RESOURCE });
    expect(after.split('.')[0]).not.toBe(before.split('.')[0]);
    // Within the cooldown of the last fetch: the new kid is unknown, and nothing is fetched.
    expect(await code(local.verifyRequest(bearer(after)))).toBe('ERR_TOKEN_KEY_UNKNOWN');
    expect(jwksFetches).toBe(1);

    now += 61_000;
    await expect(local.verifyRequest(bearer(after))).resolves.toMatchObject({ agentId: agent.id });
    expect(jwksFetches).toBe(2);
    const forged = (kid: string) => `${Buffer.from(JSON.stringify({ alg: 'ES256', typ: 'at+jwt', kid })).toString('base64url')}.${before.split('.')[1]}.${before.split('.')[2]}`;
    for (let i = 0; i < 5; i += 1) expect(await code(local.verifyRequest(bearer(forged(`made-up-${i}`))))).toBe('ERR_TOKEN_KEY_UNKNOWN');
    expect(jwksFetches).toBe(2);
  });
});
