import { createHash, randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import express from 'express';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expressAgentAuth, principalOf } from '../src/adapters/express.js';
import { fastifyAgentAuth, registerAgentAuth } from '../src/adapters/fastify.js';
import { createResourceServer } from '../src/index.js';
import { BOOTSTRAP_TOKEN, createAgent, startRealServer, type RealServer, type TestAgent } from './support/real-server.js';

const RESOURCE = 'https://api.example.com';
const DEPRECATED = new Date('2026-11-01T00:00:00Z');
const SUNSET = new Date('2027-06-01T00:00:00Z');
const LINK = 'https://wiki.example.com/move-off-keys';
const DAY = 86_400_000;
const ADMIN = { authorization: `Bearer ${BOOTSTRAP_TOKEN}` };

let server: RealServer;
let service: TestAgent;
let caller: TestAgent;
let fastify: FastifyInstance;
let expressServer: ReturnType<ReturnType<typeof express>['listen']>;
const bases: string[] = [];
/** What the service sent to the server: `resource` goes with every key question. */
const sent: string[] = [];

async function admin(method: 'GET' | 'POST', url: string, payload?: Record<string, unknown>) {
  const response = await server.server.app.inject({ method, url: `/admin/v1${url}`, headers: ADMIN, ...(payload === undefined ? {} : { payload }) });
  if (response.statusCode >= 300) throw new Error(`${url}: ${response.body}`);
  return response.json() as Record<string, unknown>;
}

/** GET /orders at each real service (fastify, express) with `key` as the Bearer credential. */
async function call(key: string): Promise<Response[]> {
  return Promise.all(bases.map((base) => fetch(`${base}/orders`, { headers: { authorization: `Bearer ${key}` } })));
}

/*
 * A real service accepting managed and imported keys during its migration window (Sunset
 * 2027-06-01), while the server's cut-over warns the caller's agent now and blocks it in 30 days,
 * and blocks one imported key already. The server runs on a clock the test moves.
 */
beforeAll(async () => {
  server = await startRealServer();
  service = await createAgent(server.server, { name: 'orders-api', scopes: ['agentauth:introspect'], resources: [server.issuer] });
  caller = await createAgent(server.server, { resources: [RESOURCE] });
  const credentials = { clientId: service.id, privateKey: service.privateKey, alg: 'ES256' as const, kid: service.kid };
  const window = { credentials, deprecatedSince: DEPRECATED, sunset: SUNSET, cacheMs: 0, timeoutMs: 60_000 };
  const rs = createResourceServer({
    issuer: server.issuer,
    resource: RESOURCE,
    revocation: 'off',
    apiKeys: window,
    legacyKeys: { ...window, matches: (t) => t.startsWith('sk_live_') },
    fetch: (input, init) => {
      sent.push(typeof init?.body === 'string' ? init.body : '');
      return fetch(input, init);
    },
    now: () => server.clock.now(),
  });
  fastify = Fastify();
  await registerAgentAuth(fastify, rs);
  fastify.get('/orders', { preHandler: fastifyAgentAuth(rs) }, async (request) => ({ key: request.agentauth?.apiKey?.id, stage: request.agentauth?.apiKey?.stage ?? null }));
  bases.push(await fastify.listen({ host: '127.0.0.1', port: 0 }));
  const app = express();
  app.get('/orders', expressAgentAuth(rs), (_req, res) => void res.json({ key: principalOf(res).apiKey?.id, stage: principalOf(res).apiKey?.stage ?? null }));
  expressServer = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => expressServer.once('listening', resolve));
  bases.push(`http://127.0.0.1:${(expressServer.address() as AddressInfo).port}`);
});
afterAll(async () => {
  await fastify?.close();
  await new Promise((resolve) => expressServer?.close(resolve));
  await server?.close();
});

describe('a real service during the key cut-over', () => {
  let managed: { id: string; key: string };
  let blockAt: number;

  it('answers a warned key with the rule\'s Deprecation, its block date as Sunset, and a Link', async () => {
    const created = await admin('POST', `/agents/${caller.id}/api-keys`, { ttl: 60 * 86_400 });
    managed = { id: (created.api_key as { id: string }).id, key: created.key as string };
    const warnFrom = Math.floor(server.clock.now() / 1000) * 1000;
    blockAt = warnFrom + 30 * DAY;
    await admin('POST', '/migration/cutover/rules', { scope: 'agent', target: caller.id, warn_from: new Date(warnFrom).toISOString(), block_from: new Date(blockAt).toISOString(), link: LINK });
    for (const response of await call(managed.key)) {
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ key: managed.id, stage: 'warn' });
      expect(response.headers.get('deprecation')).toBe(`@${warnFrom / 1000}`);
      expect(response.headers.get('sunset')).toBe(new Date(blockAt).toUTCString());
      expect(response.headers.get('link')).toBe(`<${LINK}>; rel="deprecation"; type="text/html"`);
    }
    // The service named itself, so a resource's rule can apply to what it is asked.
    expect(sent.filter((body) => body.includes('token_type_hint')).every((body) => body.includes(`resource=${encodeURIComponent(RESOURCE)}`))).toBe(true);
  });

  it('refuses a blocked key as it refuses any invalid credential', async () => {
    const key = `sk_live_${randomBytes(24).toString('hex')}`;
    const imported = await admin('POST', '/imported-keys/import', { keys: [{ key_digest: createHash('sha256').update(key).digest('hex'), agent_id: caller.id }] });
    const id = (imported.items as { id: string }[])[0]!.id;
    // Before its own rule, the agent's warning applies to it as well.
    for (const response of await call(key)) expect(await response.json()).toEqual({ key: id, stage: 'warn' });
    await admin('POST', '/migration/cutover/rules', { scope: 'key', target: id, block_from: new Date(server.clock.now() - 1000).toISOString() });
    for (const response of await call(key)) {
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toContain('error="invalid_token"');
      expect(response.headers.get('sunset')).toBeNull();
    }
  });

  it('keeps the service\'s own dates for a key no rule warns, and refuses the warned key once its block date comes', async () => {
    await admin('POST', '/migration/cutover/rules', { scope: 'key', target: managed.id });
    for (const response of await call(managed.key)) {
      expect(await response.json()).toEqual({ key: managed.id, stage: null });
      expect(response.headers.get('sunset')).toBe(SUNSET.toUTCString());
      expect(response.headers.get('link')).toBeNull();
    }
    await admin('POST', '/migration/cutover/rules/clear', { scope: 'key', target: managed.id });
    server.clock.set(blockAt + 1000);
    for (const response of await call(managed.key)) expect(response.status).toBe(401);
    const plan = await admin('GET', `/migration/cutover/plan?at=${encodeURIComponent(new Date(blockAt).toISOString())}`);
    expect((plan.blocked as { id: string }[]).map((k) => k.id)).toContain(managed.id);
  });
});
