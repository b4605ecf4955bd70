import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fastifyAgentAuth, registerAgentAuth } from '../src/adapters/fastify.js';
import { createResourceServer, VerificationError, type ResourceServer } from '../src/index.js';
import { BOOTSTRAP_TOKEN, createAgent, startRealServer, type RealServer, type TestAgent } from './support/real-server.js';

const RESOURCE = 'https://api.example.com';
const DEPRECATED = new Date('2026-11-01T00:00:00Z');
const SUNSET = new Date('2027-03-01T00:00:00Z');

let server: RealServer;
let service: TestAgent;
let caller: TestAgent;
let introspections = 0;

const counting: typeof fetch = (input, init) => {
  if (String(input).endsWith('/introspect')) introspections += 1;
  return fetch(input, init);
};

function make(withKeys = true): ResourceServer {
  const credentials = { clientId: service.id, privateKey: service.privateKey, alg: 'ES256' as const, kid: service.kid };
  return createResourceServer({
    issuer: server.issuer,
    resource: RESOURCE,
    revocation: 'off',
    ...(withKeys ? { apiKeys: { credentials, deprecatedSince: DEPRECATED, sunset: SUNSET, cacheMs: 0, timeoutMs: 60_000 } } : {}),
    fetch: counting,
    // The server's frozen clock: assertions and expiry are judged by one time.
    now: () => server.clock.now(),
  });
}

async function newKey(agentId: string, body: Record<string, unknown> = {}): Promise<{ id: string; key: string }> {
  const response = await server.server.app.inject({ method: 'POST', url: `/admin/v1/agents/${agentId}/api-keys`, headers: { authorization: `Bearer ${BOOTSTRAP_TOKEN}` }, payload: { ttl: 86_400, ...body } });
  const created = response.json() as { api_key: { id: string }; key: string };
  return { id: created.api_key.id, key: created.key };
}

const bearer = (token: string) => new Request(`${RESOURCE}/orders`, { headers: { authorization: `Bearer ${token}` } });
const refusal = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => (error instanceof VerificationError ? error.code : error));

beforeAll(async () => {
  server = await startRealServer();
  service = await createAgent(server.server, { name: 'orders-api', scopes: ['agentauth:introspect'], resources: [server.issuer] });
  caller = await createAgent(server.server, { resources: [RESOURCE, 'https://other.example.com'] });
});
afterAll(async () => {
  await server.close();
});

describe('managed API keys accepted directly during a migration window', () => {
  it('introspects a key, marks the principal as key-authenticated and names the Deprecation and Sunset headers', async () => {
    const { id, key } = await newKey(caller.id, { scopes: ['orders:read'] });
    const principal = await make().verifyRequest(bearer(key));
    expect(principal).toMatchObject({ agentId: caller.id, clientId: caller.id, scopes: ['orders:read'], binding: 'bearer', apiKey: { id } });
    expect(principal.apiKey?.headers).toEqual({ deprecation: `@${DEPRECATED.getTime() / 1000}`, sunset: 'Mon, 01 Mar 2027 00:00:00 GMT' });
  });

  it('refuses a malformed or checksum-failing key without asking the server, and revoked or foreign-resource keys after asking', async () => {
    const rs = make();
    const { id, key } = await newKey(caller.id);
    introspections = 0;
    const flipped = key.slice(0, 9) + (key[9] === 'A' ? 'B' : 'A') + key.slice(10);
    expect(await refusal(rs.verifyRequest(bearer(flipped)))).toBe('ERR_TOKEN_INACTIVE');
    expect(await refusal(rs.verifyRequest(bearer(key.slice(0, -1))))).toBe('ERR_TOKEN_INACTIVE');
    expect(introspections).toBe(0);
    const other = await newKey(caller.id, { resources: ['https://other.example.com'] });
    expect(await refusal(rs.verifyRequest(bearer(other.key)))).toBe('ERR_TOKEN_AUDIENCE');
    await server.server.app.inject({ method: 'POST', url: `/admin/v1/api-keys/${id}/revoke`, headers: { authorization: `Bearer ${BOOTSTRAP_TOKEN}` } });
    expect(await refusal(rs.verifyRequest(bearer(key)))).toBe('ERR_TOKEN_INACTIVE');
    expect(introspections).toBe(2);
  });

  it('accepts no key unless the service opted in', async () => {
    const { key } = await newKey(caller.id);
    expect(await refusal(make(false).verifyRequest(bearer(key)))).toMatch(/^ERR_TOKEN_/);
  });

  it('refuses dates that make no sense at construction', () => {
    const credentials = { clientId: service.id, privateKey: service.privateKey, alg: 'ES256' as const, kid: service.kid };
    expect(() => createResourceServer({ issuer: server.issuer, resource: RESOURCE, revocation: 'off', apiKeys: { credentials, deprecatedSince: SUNSET, sunset: DEPRECATED } })).toThrow(TypeError);
  });

  it('sends Deprecation and Sunset on the answers of a fastify route the key called', async () => {
    const rs = make();
    const app = Fastify();
    await registerAgentAuth(app, rs);
    app.get('/orders', { preHandler: fastifyAgentAuth(rs) }, async (request) => ({ agent: request.agentauth?.agentId, key: request.agentauth?.apiKey?.id }));
    const { id, key } = await newKey(caller.id);
    // A real socket: the adapter reads Node's own headersDistinct.
    const address = await app.listen({ host: '127.0.0.1', port: 0 });
    const response = await fetch(`${address}/orders`, { headers: { authorization: `Bearer ${key}` } });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ agent: caller.id, key: id });
    expect(response.headers.get('deprecation')).toBe(`@${DEPRECATED.getTime() / 1000}`);
    expect(response.headers.get('sunset')).toBe('Mon, 01 Mar 2027 00:00:00 GMT');
    await app.close();
  });
});
