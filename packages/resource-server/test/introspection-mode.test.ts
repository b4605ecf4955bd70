import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createResourceServer, requireScopes, VerificationError, type ResourceServer } from '../src/index.js';
import { clientAssertion, createAgent, form, FORM, issueToken, mintWithServerKey, startRealServer, type RealServer, type TestAgent } from './support/real-server.js';

const RESOURCE = 'https://api.example.com';

let server: RealServer;
let service: TestAgent;
let caller: TestAgent;
let introspections = 0;
let now = Date.now();

const counting: typeof fetch = (input, init) => {
  if (String(input).endsWith('/introspect')) introspections += 1;
  return fetch(input, init);
};

function make(cacheMs?: number): ResourceServer {
  return createResourceServer({
    issuer: server.issuer,
    resource: RESOURCE,
    revocation: 'off',
    // A generous timeout: the suite must pass on a loaded machine.
    introspection: { credentials: { clientId: service.id, privateKey: service.privateKey, alg: 'ES256', kid: service.kid }, timeoutMs: 60_000, ...(cacheMs === undefined ? {} : { cacheMs }) },
    fetch: counting,
    now: () => now,
  });
}

const bearer = (token: string) => new Request(`${RESOURCE}/orders`, { headers: { authorization: `Bearer ${token}` } });

beforeAll(async () => {
  server = await startRealServer();
  service = await createAgent(server.server, { name: 'orders-api', scopes: ['agentauth:introspect'], resources: [server.issuer] });
  caller = await createAgent(server.server, { resources: [RESOURCE, 'https://other.example.com'] });
  now = Date.now();
});
afterAll(async () => {
  await server.close();
});
// The SDK signs its client assertions at `now`, and the server checks them on its own clock: each
// test starts both from the real time, so a slow machine never makes an assertion look stale, nor
// one signed now look issued in the future by a server whose clock stopped when it started.
beforeEach(() => {
  now = Date.now();
  server.clock.advance(Math.max(0, now - server.clock.now()));
});

describe('introspection mode (RFC 7662)', () => {
  it('asks the server, builds the principal from the answer, and caches it for at most cacheMs', async () => {
    const rs = make(2_000);
    const token = await issueToken(server, caller, { resource: RESOURCE, scope: 'orders:read' });
    introspections = 0;
    const principal = await rs.verifyRequest(bearer(token), { checks: [requireScopes('orders:read')] });
    expect(principal).toMatchObject({ agentId: caller.id, clientId: caller.id, scopes: ['orders:read'], binding: 'bearer' });
    await rs.verifyRequest(bearer(token));
    expect(introspections).toBe(1);

    // Revoked at the server: refused once the cached answer is older than cacheMs.
    const assertion = await clientAssertion(caller, server.clock.now(), { claims: { aud: server.issuer } });
    await fetch(`${server.issuer}/revoke`, { method: 'POST', headers: FORM, body: form({ token, client_id: caller.id, client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: assertion }) }).then((r) => r.arrayBuffer());
    await expect(rs.verifyRequest(bearer(token))).resolves.toBeDefined();
    now += 2_001;
    const error = await rs.verifyRequest(bearer(token)).catch((e: unknown) => e);
    now = Date.now();
    expect(error).toBeInstanceOf(VerificationError);
    expect((error as VerificationError).code).toBe('ERR_TOKEN_INACTIVE');
    expect(rs.errorResponse(error).status).toBe(401);
    expect(introspections).toBe(2);
  });

  it('still checks the audience itself: the server answers for any audience', async () => {
    const token = await issueToken(server, caller, { resource: 'https://other.example.com' });
    expect(await make().verifyRequest(bearer(token)).catch((e: unknown) => (e as VerificationError).code)).toBe('ERR_TOKEN_AUDIENCE');
  });

  it('refuses a forged token, and a DPoP-bound token sent as Bearer', async () => {
    const rs = make();
    expect(await rs.verifyRequest(bearer('forged.token.value')).catch((e: unknown) => (e as VerificationError).code)).toBe('ERR_TOKEN_INACTIVE');
    const bound = await mintWithServerKey(server, { sub: caller.id, client_id: caller.id, cnf: { jkt: 'abc' } });
    expect(await rs.verifyRequest(bearer(bound)).catch((e: unknown) => (e as VerificationError).code)).toBe('ERR_DPOP_REQUIRED');
  });

  it('fails closed with 503 when the server cannot be reached, and refuses a cache above 60 s', async () => {
    const other = await startRealServer();
    const rs = createResourceServer({ issuer: other.issuer, resource: RESOURCE, revocation: 'off', introspection: { credentials: { clientId: 'x', clientSecret: 'y' } } });
    await other.close();
    const error = await rs.verifyRequest(bearer('some.token.value')).catch((e: unknown) => e);
    expect(rs.errorResponse(error).status).toBe(503);
    expect(() => make(120_000)).toThrow(TypeError);
  });
});
