import { createServer, type IncomingMessage, type RequestListener, type Server } from 'node:http';
import express from 'express';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expressAgentAuth, principalOf } from '../src/adapters/express.js';
import { withAgentAuth } from '../src/adapters/fetch.js';
import { honoAgentAuth, type AgentAuthVariables } from '../src/adapters/hono.js';
import { createResourceServer, type ResourceServer } from '../src/index.js';
import { nodeAgentAuth } from '../src/node.js';
import { BOOTSTRAP_TOKEN, createAgent, issueToken, startRealServer, type RealServer, type TestAgent } from './support/real-server.js';

const RESOURCE = 'https://api.example.com';
const DEPRECATED = new Date('2026-11-01T00:00:00Z');
const SUNSET = new Date('2027-03-01T00:00:00Z');
const DEPRECATION_HEADER = `@${DEPRECATED.getTime() / 1000}`;
const SUNSET_HEADER = 'Mon, 01 Mar 2027 00:00:00 GMT';

let server: RealServer;
let caller: TestAgent;
let rs: ResourceServer;
const closers: (() => Promise<void>)[] = [];

async function listen(handler: RequestListener): Promise<string> {
  const http: Server = createServer(handler);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise((resolve) => http.close(() => resolve())));
  const address = http.address();
  if (typeof address !== 'object' || address === null) throw new Error('no address');
  return `http://127.0.0.1:${address.port}`;
}

/** A Web fetch handler behind a real socket: Node's request becomes a `Request`, its `Response` the answer. */
function fetchBridge(handler: (request: Request) => Promise<Response> | Response): RequestListener {
  return (req: IncomingMessage, res) => {
    const headers = new Headers();
    for (const [name, values] of Object.entries(req.headersDistinct)) for (const value of values ?? []) headers.append(name, value);
    void Promise.resolve(handler(new Request(new URL(req.url ?? '/', RESOURCE), { method: req.method ?? 'GET', headers }))).then(async (response) => {
      const out: Record<string, string> = {};
      response.headers.forEach((value, name) => (out[name] = value));
      res.writeHead(response.status, out).end(Buffer.from(await response.arrayBuffer()));
    });
  };
}

async function newKey(): Promise<{ id: string; key: string }> {
  const response = await server.server.app.inject({ method: 'POST', url: `/admin/v1/agents/${caller.id}/api-keys`, headers: { authorization: `Bearer ${BOOTSTRAP_TOKEN}` }, payload: { ttl: 86_400 } });
  const created = response.json() as { api_key: { id: string }; key: string };
  return { id: created.api_key.id, key: created.key };
}

const body = (agent: string, key: string | undefined) => JSON.stringify({ agent, key: key ?? null });
let bases: Record<string, string>;

beforeAll(async () => {
  server = await startRealServer();
  const service = await createAgent(server.server, { name: 'orders-api', scopes: ['agentauth:introspect'], resources: [server.issuer] });
  caller = await createAgent(server.server, { resources: [RESOURCE] });
  const credentials = { clientId: service.id, privateKey: service.privateKey, alg: 'ES256' as const, kid: service.kid };
  rs = createResourceServer({
    issuer: server.issuer,
    resource: RESOURCE,
    revocation: 'off',
    apiKeys: { credentials, deprecatedSince: DEPRECATED, sunset: SUNSET, timeoutMs: 60_000 },
    now: () => server.clock.now(),
  });

  const app = express();
  app.get('/orders', expressAgentAuth(rs), (_req, res) => {
    const principal = principalOf(res);
    res.type('application/json').send(body(principal.agentId, principal.apiKey?.id));
  });

  const hono = new Hono<{ Variables: AgentAuthVariables }>();
  hono.get('/orders', honoAgentAuth(rs), (c) => c.body(body(c.get('agentauth').agentId, c.get('agentauth').apiKey?.id), 200, { 'content-type': 'application/json' }));
  // A handler that answers with a Response of its own (immutable headers): the headers still arrive.
  hono.get('/raw', honoAgentAuth(rs), () => Response.redirect(`${RESOURCE}/orders`, 303));

  const guard = nodeAgentAuth(rs);
  const fetchHandler = withAgentAuth(rs, (request, principal) =>
    new URL(request.url).pathname === '/raw' ? Response.redirect(`${RESOURCE}/orders`, 303) : new Response(body(principal.agentId, principal.apiKey?.id), { headers: { 'content-type': 'application/json' } }),
  );

  bases = {
    express: await listen(app as unknown as RequestListener),
    hono: await listen(fetchBridge((request) => hono.fetch(request))),
    node: await listen(async (req, res) => {
      const principal = await guard(req, res);
      if (principal !== undefined) res.writeHead(200, { 'content-type': 'application/json' }).end(body(principal.agentId, principal.apiKey?.id));
    }),
    fetch: await listen(fetchBridge(fetchHandler)),
  };
});
afterAll(async () => {
  for (const close of closers) await close();
  await server.close();
});

describe.each(['express', 'hono', 'node', 'fetch'] as const)('the %s adapter during a migration window', (name) => {
  it('answers a request a managed key authenticated with the Deprecation and Sunset headers', async () => {
    const { id, key } = await newKey();
    const response = await fetch(`${bases[name]}/orders`, { headers: { authorization: `Bearer ${key}` } });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ agent: caller.id, key: id });
    expect(response.headers.get('deprecation')).toBe(DEPRECATION_HEADER);
    expect(response.headers.get('sunset')).toBe(SUNSET_HEADER);
  });

  it('marks no answer to an access token as deprecated', async () => {
    const token = await issueToken(server, caller, { resource: RESOURCE });
    const response = await fetch(`${bases[name]}/orders`, { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ agent: caller.id, key: null });
    expect(response.headers.get('deprecation')).toBeNull();
    expect(response.headers.get('sunset')).toBeNull();
  });
});

describe.each(['hono', 'fetch'] as const)('the %s adapter with a handler that returns its own Response', (name) => {
  it('still carries the headers', async () => {
    const { key } = await newKey();
    const response = await fetch(`${bases[name]}/raw`, { headers: { authorization: `Bearer ${key}` }, redirect: 'manual' });
    expect(response.status).toBe(303);
    expect(response.headers.get('deprecation')).toBe(DEPRECATION_HEADER);
    expect(response.headers.get('sunset')).toBe(SUNSET_HEADER);
  });
});
