import { createHash, randomBytes } from 'node:crypto';
import express from 'express';
import Fastify from 'fastify';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expressAgentAuth, principalOf } from '../src/adapters/express.js';
import { fastifyAgentAuth, registerAgentAuth } from '../src/adapters/fastify.js';
import { createResourceServer, VerificationError, type ResourceServer } from '../src/index.js';
import { BOOTSTRAP_TOKEN, createAgent, issueToken, startRealServer, type RealServer, type TestAgent } from './support/real-server.js';

const RESOURCE = 'https://api.example.com';
const DEPRECATED = new Date('2026-11-01T00:00:00Z');
const SUNSET = new Date('2027-03-01T00:00:00Z');

let server: RealServer;
let service: TestAgent;
let caller: TestAgent;
/** Every request the SDK sent to the server, to prove no key left the service. */
const sent: { url: string; body: string }[] = [];

const recording: typeof fetch = async (input, init) => {
  sent.push({ url: String(input), body: typeof init?.body === 'string' ? init.body : String(init?.body ?? '') });
  return fetch(input, init);
};

function make(options: { cacheMs?: number; matches?: (token: string) => boolean } = {}): ResourceServer {
  const credentials = { clientId: service.id, privateKey: service.privateKey, alg: 'ES256' as const, kid: service.kid };
  return createResourceServer({
    issuer: server.issuer,
    resource: RESOURCE,
    revocation: 'off',
    legacyKeys: { credentials, deprecatedSince: DEPRECATED, sunset: SUNSET, cacheMs: options.cacheMs ?? 0, timeoutMs: 60_000, ...(options.matches ? { matches: options.matches } : {}) },
    fetch: recording,
    now: () => server.clock.now(),
  });
}

/** A key the service accepts today, imported into agentauth by its digest alone. */
async function importedKey(line: Record<string, unknown> = {}): Promise<{ id: string; key: string; digest: string }> {
  const key = `sk_live_${randomBytes(24).toString('hex')}`;
  const digest = createHash('sha256').update(key).digest('hex');
  const response = await server.server.app.inject({ method: 'POST', url: '/admin/v1/imported-keys/import', headers: { authorization: `Bearer ${BOOTSTRAP_TOKEN}` }, payload: { keys: [{ key_digest: digest, agent_id: caller.id, ...line }] } });
  if (response.statusCode !== 201) throw new Error(response.body);
  return { id: (response.json() as { items: { id: string }[] }).items[0]!.id, key, digest };
}

const bearer = (token: string) => new Request(`${RESOURCE}/orders`, { headers: { authorization: `Bearer ${token}` } });
const refusal = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => (error instanceof VerificationError ? error.code : error));
const keyDigestCalls = () => sent.filter((r) => r.url.endsWith('/introspect/key-digest')).length;

beforeAll(async () => {
  server = await startRealServer();
  service = await createAgent(server.server, { name: 'orders-api', scopes: ['agentauth:introspect'], resources: [server.issuer] });
  caller = await createAgent(server.server, { resources: [RESOURCE, 'https://other.example.com'] });
});
afterAll(async () => {
  await server.close();
});

describe('legacy keys imported by digest, accepted during a migration window', () => {
  it('asks about the digest, marks the principal as key-authenticated, and never sends the key', async () => {
    const { id, key, digest } = await importedKey({ scopes: ['orders:read'] });
    const principal = await make().verifyRequest(bearer(key));
    expect(principal).toMatchObject({ agentId: caller.id, clientId: caller.id, scopes: ['orders:read'], binding: 'bearer', apiKey: { id, kind: 'imported' } });
    expect(principal.apiKey?.headers).toEqual({ deprecation: `@${DEPRECATED.getTime() / 1000}`, sunset: 'Mon, 01 Mar 2027 00:00:00 GMT' });
    const asked = sent.filter((r) => r.url.endsWith('/introspect/key-digest'));
    expect(asked.at(-1)?.body).toContain(`key_digest=${digest}`);
    for (const request of sent) expect(request.body).not.toContain(key);
  });

  it('refuses a revoked key, one not for this resource and an unknown one; caches an answer for cacheMs', async () => {
    const { id, key } = await importedKey();
    const narrow = await importedKey({ resources: ['https://other.example.com'] });
    expect(await refusal(make().verifyRequest(bearer(narrow.key)))).toBe('ERR_TOKEN_INACTIVE');
    expect(await refusal(make().verifyRequest(bearer('sk_live_never_imported')))).toBe('ERR_TOKEN_INACTIVE');

    const cached = make({ cacheMs: 30_000 });
    const before = keyDigestCalls();
    await cached.verifyRequest(bearer(key));
    await cached.verifyRequest(bearer(key));
    expect(keyDigestCalls() - before).toBe(1);
    await server.server.app.inject({ method: 'POST', url: `/admin/v1/imported-keys/${id}/revoke`, headers: { authorization: `Bearer ${BOOTSTRAP_TOKEN}` } });
    // Within cacheMs the answer stands (RFC 7662 §4: the cache lifetime is the bound on a revocation's delay)...
    expect((await cached.verifyRequest(bearer(key))).apiKey?.id).toBe(id);
    server.clock.advance(30_001);
    // ...and after it, the key is refused.
    expect(await refusal(cached.verifyRequest(bearer(key)))).toBe('ERR_TOKEN_INACTIVE');
    expect(await refusal(make().verifyRequest(bearer(key)))).toBe('ERR_TOKEN_INACTIVE');
  });

  it('still verifies access tokens as JWTs, and asks only about what `matches` picks', async () => {
    const token = await issueToken(server, caller, { resource: RESOURCE });
    const before = keyDigestCalls();
    const principal = await make().verifyRequest(bearer(token));
    expect(principal.apiKey).toBeUndefined();
    expect(keyDigestCalls()).toBe(before);
    const { key } = await importedKey();
    const prefixed = make({ matches: (t) => t.startsWith('pk_') });
    expect(await refusal(prefixed.verifyRequest(bearer(key)))).toMatch(/^ERR_TOKEN_/);
    expect(keyDigestCalls()).toBe(before);
  });

  it('refuses options that make no sense at construction', () => {
    const credentials = { clientId: service.id, privateKey: service.privateKey, alg: 'ES256' as const, kid: service.kid };
    expect(() => createResourceServer({ issuer: server.issuer, resource: RESOURCE, revocation: 'off', legacyKeys: { credentials, deprecatedSince: SUNSET, sunset: DEPRECATED } })).toThrow(TypeError);
    expect(() => createResourceServer({ issuer: server.issuer, resource: RESOURCE, revocation: 'off', legacyKeys: { credentials, deprecatedSince: DEPRECATED, sunset: SUNSET, cacheMs: 120_000 } })).toThrow(TypeError);
  });

  it('answers a fastify and an express route the key called with Deprecation and Sunset', async () => {
    const rs = make();
    const app = Fastify();
    await registerAgentAuth(app, rs);
    app.get('/orders', { preHandler: fastifyAgentAuth(rs) }, async (request) => ({ key: request.agentauth?.apiKey?.id }));
    const ex = express();
    ex.get('/orders', expressAgentAuth(rs), (_req, res) => void res.json({ key: principalOf(res).apiKey?.id }));
    const exServer = ex.listen(0, '127.0.0.1');
    await new Promise((resolve) => exServer.once('listening', resolve));
    try {
      const { id, key } = await importedKey();
      for (const base of [await app.listen({ host: '127.0.0.1', port: 0 }), `http://127.0.0.1:${(exServer.address() as AddressInfo).port}`]) {
        const response = await fetch(`${base}/orders`, { headers: { authorization: `Bearer ${key}` } });
        expect(response.status).toBe(200);
        expect(await response.json()).toEqual({ key: id });
        expect(response.headers.get('deprecation')).toBe(`@${DEPRECATED.getTime() / 1000}`);
        expect(response.headers.get('sunset')).toBe('Mon, 01 Mar 2027 00:00:00 GMT');
      }
    } finally {
      await app.close();
      await new Promise((resolve) => exServer.close(resolve));
    }
  });
});
