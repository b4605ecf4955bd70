import { createServer, type RequestListener } from 'node:http';
import express from 'express';
import Fastify, { type FastifyInstance } from 'fastify';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createResourceServer, type Principal, type ResourceServer, type ServiceCredentials } from '../src/index.js';
import { expressAgentAuth } from '../src/adapters/express.js';
import { fastifyAgentAuth, registerAgentAuth } from '../src/adapters/fastify.js';
import { withAgentAuth } from '../src/adapters/fetch.js';
import { honoAgentAuth } from '../src/adapters/hono.js';
import { nodeAgentAuth } from '../src/node.js';
import { createAgent, issueToken, startRealServer, type RealServer, type TestAgent } from './support/real-server.js';

const API = 'https://api.example.com';

function headersOf(response: Response): Record<string, string> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  return headers;
}
const ISSUANCE = '@id("issuance")\npermit (principal, action in [Action::"issue_token", Action::"register_agent"], resource);\n';
const ORDERS = `${ISSUANCE}
@id("orders")
permit (principal is Agent, action == Action::"call_api", resource is ApiResource)
when { resource.type == "order" && context.name == "read" && resource.id != "o-2" };
@id("support-users")
permit (principal is User, action == Action::"call_api", resource is ApiResource)
when { principal.hasTag("team") && principal.getTag("team") == "support" && context.name == "read" };`;

// rs.authorize and the adapters' `authorize` option against a real server (real HTTP, the PDP
// deciding from the stored Cedar set), with the service's own credentials.
describe('rs.authorize (AuthZEN PEP)', () => {
  let server: RealServer;
  let service: TestAgent;
  let caller: TestAgent;
  let callerToken: string;
  let credentials: ServiceCredentials;
  let principal: Principal;
  const evaluations: string[] = [];
  const errors: unknown[] = [];
  const countingFetch: typeof fetch = (input, init) => {
    const url = new URL(input instanceof Request ? input.url : input);
    if (url.pathname === '/access/v1/evaluation') evaluations.push(String(init?.body ?? ''));
    return fetch(input, init);
  };
  const policies = (source: string) => server.server.deps.policies.service.apply({ source, replace: true }, { actor: 'admin:bootstrap', sourceIp: null, requestId: null }, null);
  const resourceServer = (options: Partial<Parameters<typeof createResourceServer>[0]> = {}): ResourceServer =>
    createResourceServer({ issuer: server.issuer, resource: API, revocation: 'off', fetch: countingFetch, now: () => server.clock.now(), onError: (error) => errors.push(error), authorization: { credentials }, ...options });

  beforeAll(async () => {
    server = await startRealServer();
    service = await createAgent(server.server, { name: 'orders-api', scopes: ['agentauth:authorize'] });
    caller = await createAgent(server.server, { name: 'shopper' });
    credentials = { clientId: service.id, privateKey: service.privateKey, alg: 'ES256', kid: service.kid };
    callerToken = await issueToken(server, caller, { resource: API, scope: 'orders:read' });
    principal = await resourceServer({ authorization: undefined }).verifyRequest(new Request(`${API}/orders/o-1`, { headers: { authorization: `Bearer ${callerToken}` } }));
    await policies(ORDERS);
  });
  afterAll(() => server.close());

  it('answers the PDP decision for a principal (as its agent) and for a user subject', async () => {
    const rs = resourceServer();
    expect(await rs.authorize(principal, 'read', { type: 'order', id: 'o-1' })).toBe(true);
    expect(await rs.authorize(principal, 'read', { type: 'order', id: 'o-2' })).toBe(false);
    expect(await rs.authorize(principal, 'write', { type: 'order', id: 'o-1' })).toBe(false);
    expect(await rs.authorize({ type: 'user', id: 'ann', properties: { team: 'support' } }, 'read', { type: 'order', id: 'o-2' })).toBe(true);
    expect(await rs.authorize({ type: 'user', id: 'bob', properties: { team: 'sales' } }, 'read', { type: 'order', id: 'o-2' })).toBe(false);
    expect(errors).toEqual([]);
  });

  it('reuses a decision for cacheTtlMs, then asks again and sees a policy change', async () => {
    const rs = resourceServer({ authorization: { credentials, cacheTtlMs: 5_000 } });
    evaluations.length = 0;
    const [a, b] = await Promise.all([rs.authorize(principal, 'read', { type: 'order', id: 'o-3' }), rs.authorize(principal, 'read', { type: 'order', id: 'o-3' })]);
    expect([a, b]).toEqual([true, true]);
    expect(evaluations).toHaveLength(1);
    await policies(`${ORDERS}\n@id("freeze-o-3")\nforbid (principal, action == Action::"call_api", resource) when { resource.id == "o-3" };`);
    server.clock.advance(4_000);
    expect(await rs.authorize(principal, 'read', { type: 'order', id: 'o-3' })).toBe(true);
    expect(evaluations).toHaveLength(1);
    server.clock.advance(1_001);
    expect(await rs.authorize(principal, 'read', { type: 'order', id: 'o-3' })).toBe(false);
    expect(evaluations).toHaveLength(2);
    expect(JSON.parse(evaluations[1] as string)).toEqual({ subject: { type: 'agent', id: caller.id }, action: { name: 'read' }, resource: { type: 'order', id: 'o-3' } });
    await policies(ORDERS);
  });

  it('fails closed: a service without agentauth:authorize, or a PDP it cannot reach, gets false and onError hears why', async () => {
    const unprivileged = await createAgent(server.server, { name: 'no-pdp-scope' });
    const denied = resourceServer({ authorization: { credentials: { clientId: unprivileged.id, privateKey: unprivileged.privateKey, alg: 'ES256', kid: unprivileged.kid } } });
    errors.length = 0;
    expect(await denied.authorize(principal, 'read', { type: 'order', id: 'o-1' })).toBe(false);
    expect(errors).toHaveLength(1);
    const unreachable = resourceServer({ fetch: () => Promise.reject(new TypeError('fetch failed')) });
    expect(await unreachable.authorize(principal, 'read', { type: 'order', id: 'o-1' })).toBe(false);
    expect(errors).toHaveLength(2);
    // A failure is not cached: the next question is asked again.
    expect(await unreachable.authorize(principal, 'read', { type: 'order', id: 'o-1' })).toBe(false);
    expect(errors).toHaveLength(3);
  });

  it('refuses misuse at once with a TypeError', () => {
    expect(() => resourceServer({ authorization: undefined }).authorize(principal, 'read', { type: 'order', id: 'o-1' })).toThrow(TypeError);
    expect(() => resourceServer({ authorization: { credentials, cacheTtlMs: -1 } })).toThrow(TypeError);
    const rs = resourceServer();
    expect(() => rs.authorize(principal, '', { type: 'order', id: 'o-1' })).toThrow(TypeError);
    expect(() => withAgentAuth(rs, () => new Response('ok'), { authorize: { action: 'read', resource: 'o-1' as never } })).toThrow(TypeError);
  });

  describe("the adapters' authorize option", () => {
    let rs: ResourceServer;
    const bearer = { authorization: '' };
    const orderOf = (path: string) => ({ type: 'order', id: path.split('?')[0]?.split('/').pop() ?? '' });
    const closers: (() => Promise<unknown>)[] = [];
    beforeAll(() => {
      rs = resourceServer({ authorization: { credentials, cacheTtlMs: 0 } });
      bearer.authorization = `Bearer ${callerToken}`;
    });
    afterAll(async () => {
      for (const close of closers) await close();
    });

    async function expectGuarded(base: string) {
      const ok = await fetch(`${base}/orders/o-1`, { headers: bearer });
      expect(ok.status).toBe(200);
      expect(await ok.text()).toBe(caller.id);
      const refused = await fetch(`${base}/orders/o-2`, { headers: bearer });
      expect(refused.status).toBe(403);
      expect(refused.headers.get('www-authenticate')).toMatch(/^Bearer error="insufficient_scope", error_description="the request is not permitted by policy"/);
      expect(await refused.json()).toEqual({ error: 'insufficient_scope', error_description: 'the request is not permitted by policy' });
      // No token: refused before the PDP is asked.
      expect((await fetch(`${base}/orders/o-1`)).status).toBe(401);
    }
    async function serve(handler: RequestListener): Promise<string> {
      const http = createServer(handler);
      await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
      closers.push(() => new Promise((resolve) => http.close(resolve)));
      return `http://127.0.0.1:${(http.address() as { port: number }).port}`;
    }

    it('fetch', async () => {
      const handler = withAgentAuth(rs, (_request, p) => new Response(p.agentId), { authorize: { action: 'read', resource: (request) => orderOf(new URL(request.url).pathname) } });
      const base = await serve(async (req, res) => {
        const response = await handler(new Request(`http://127.0.0.1${req.url ?? '/'}`, { headers: req.headers as Record<string, string> }));
        res.writeHead(response.status, headersOf(response)).end(await response.text());
      });
      await expectGuarded(base);
      // A request that names no order cannot be asked about: refused, not a server error.
      expect((await fetch(`${base}/orders/`, { headers: bearer })).status).toBe(403);
    });

    it('fastify, with the route parameters', async () => {
      const app: FastifyInstance = Fastify();
      await registerAgentAuth(app, rs);
      const guard = fastifyAgentAuth(rs, { authorize: { action: (request) => (request.method === 'GET' ? 'read' : 'write'), resource: (request) => ({ type: 'order', id: (request.params as { id: string }).id }) } });
      app.get('/orders/:id', { preHandler: guard }, async (request) => request.agentauth?.agentId);
      await app.listen({ host: '127.0.0.1', port: 0 });
      closers.push(() => app.close());
      await expectGuarded(`http://127.0.0.1:${(app.server.address() as { port: number }).port}`);
    });

    it('express', async () => {
      const app = express();
      app.get('/orders/:id', expressAgentAuth(rs, { authorize: { action: 'read', resource: (req) => ({ type: 'order', id: String(req.params['id']) }) } }), (_req, res) => {
        res.send((res.locals as { agentauth: Principal }).agentauth.agentId);
      });
      await expectGuarded(await serve(app));
    });

    it('hono', async () => {
      const app = new Hono();
      app.get('/orders/:id', honoAgentAuth(rs, { authorize: { action: 'read', resource: (c) => ({ type: 'order', id: c.req.param('id') ?? '' }) } }), (c) => c.text(c.get('agentauth').agentId));
      const base = await serve(async (req, res) => {
        const response = await app.fetch(new Request(`http://127.0.0.1${req.url ?? '/'}`, { headers: req.headers as Record<string, string> }));
        res.writeHead(response.status, headersOf(response)).end(await response.text());
      });
      await expectGuarded(base);
    });

    it('node:http', async () => {
      const guard = nodeAgentAuth(rs, { authorize: { action: 'read', resource: (req) => orderOf(req.url ?? '/') } });
      const base = await serve(async (req, res) => {
        const p = await guard(req, res);
        if (p !== undefined) res.end(p.agentId);
      });
      await expectGuarded(base);
    });
  });
});
