import { createServer, type Server } from 'node:http';
import express from 'express';
import Fastify, { type FastifyInstance } from 'fastify';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createResourceServer, requireScopes, RevocationState, type ResourceServer, type VerificationErrorCode } from '../src/index.js';
import { expressAgentAuth, expressProtectedResourceMetadata, principalOf } from '../src/adapters/express.js';
import { fastifyAgentAuth, fastifyAuthenticatedRoute, registerAgentAuth } from '../src/adapters/fastify.js';
import { withAgentAuth } from '../src/adapters/fetch.js';
import { honoAgentAuth, honoProtectedResourceMetadata, type AgentAuthVariables } from '../src/adapters/hono.js';
import { nodeAgentAuth } from '../src/node.js';
import { baseClaims, forgeWithServerKey, hostileCases, type PrimedCase } from './support/hostile-requests.js';
import { createAgent, dpopKeyPair, dpopProof, issueToken, mintWithServerKey, startRealServer, type RealServer, type TestAgent } from './support/real-server.js';

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}
type Send = (method: string, path: string, headers?: Record<string, string | string[]>) => Promise<Answer>;

let server: RealServer;
let agent: TestAgent;
let resource: string;
const closers: (() => Promise<void>)[] = [];

async function listen(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const http: Server = createServer(handler);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise((resolve) => http.close(() => resolve())));
  const address = http.address();
  if (typeof address !== 'object' || address === null) throw new Error('no address');
  return `http://127.0.0.1:${address.port}`;
}

/** Real sockets, so repeated headers reach the framework as a client would send them. */
function overHttp(base: string): Send {
  return async (method, path, headers = {}) => {
    // Headers joins repeats with ", "; send them as separate lines through node:http instead.
    const { request } = await import('node:http');
    return new Promise<Answer>((resolve, reject) => {
      const url = new URL(path, base);
      const raw: string[] = ['host', url.host];
      for (const [name, value] of Object.entries(headers)) for (const v of Array.isArray(value) ? value : [value]) raw.push(name, v);
      const req = request({ host: url.hostname, port: url.port, path: url.pathname + url.search, method, headers: raw }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => {
          const out: Record<string, string> = {};
          for (const [name, value] of Object.entries(res.headers)) out[name] = Array.isArray(value) ? value.join(', ') : String(value);
          resolve({ status: res.statusCode ?? 0, headers: out, body });
        });
      });
      req.on('error', reject);
      req.end();
    });
  };
}

function fromResponse(response: Response): Promise<Answer> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => (headers[name] = value));
  return response.text().then((body) => ({ status: response.status, headers, body }));
}

const ok = (agentId: string) => JSON.stringify({ agent: agentId });

/** What each adapter's onRefused heard: the code, and the path of the framework's own request. */
const refused: Record<string, { code: VerificationErrorCode; path: string }[]> = { fetch: [], fastify: [], express: [], hono: [], node: [] };
const heard = (name: string, path: string | undefined) => (error: { code: VerificationErrorCode }) => refused[name]!.push({ code: error.code, path: (path ?? '').split('?')[0]! });

async function adapters(rs: ResourceServer): Promise<Record<string, Send>> {
  const checks = [requireScopes('orders:read')];

  const fetchHandler = withAgentAuth(rs, (_request, principal) => new Response(ok(principal.agentId)), { checks, onRefused: (error, request) => heard('fetch', new URL(request.url).pathname)(error) });

  const fastify: FastifyInstance = Fastify();
  await registerAgentAuth(fastify, rs);
  fastify.get('/orders', fastifyAuthenticatedRoute(rs, async (request) => ok(request.agentauth.agentId), { checks, onRefused: (error, request) => heard('fastify', request.url)(error) }));
  await fastify.listen({ port: 0, host: '127.0.0.1' });
  closers.push(() => fastify.close());

  const app = express();
  app.get(rs.metadataPath, expressProtectedResourceMetadata(rs));
  app.get('/orders', expressAgentAuth(rs, { checks, onRefused: (error, req) => heard('express', req.path)(error) }), (_req, res) => {
    res.send(ok(principalOf(res).agentId));
  });

  const hono = new Hono<{ Variables: AgentAuthVariables }>();
  hono.get(rs.metadataPath, honoProtectedResourceMetadata(rs));
  hono.get('/orders', honoAgentAuth(rs, { checks, onRefused: (error, c) => heard('hono', c.req.path)(error) }), (c) => c.text(ok(c.get('agentauth').agentId)));

  const guard = nodeAgentAuth(rs, { checks, onRefused: (error, req) => heard('node', req.url)(error) });
  const node = await listen(async (req, res) => {
    const principal = await guard(req, res);
    if (principal !== undefined) res.end(ok(principal.agentId));
  });

  const fastifyAddress = fastify.server.address();
  return {
    fetch: async (method, path, headers = {}) => {
      const init = new Headers();
      for (const [name, value] of Object.entries(headers)) for (const v of Array.isArray(value) ? value : [value]) init.append(name, v);
      return fromResponse(await fetchHandler(new Request(new URL(path, resource), { method, headers: init })));
    },
    fastify: overHttp(`http://127.0.0.1:${typeof fastifyAddress === 'object' && fastifyAddress ? fastifyAddress.port : 0}`),
    express: overHttp(await listen(app as unknown as Parameters<typeof createServer>[1])),
    hono: async (method, path, headers = {}) => {
      const init = new Headers();
      for (const [name, value] of Object.entries(headers)) for (const v of Array.isArray(value) ? value : [value]) init.append(name, v);
      return fromResponse(await hono.request(new Request(new URL(path, resource), { method, headers: init })));
    },
    node: overHttp(node),
  };
}

let sends: Record<string, Send>;
/** The same adapters in front of a service that accepts DPoP-bound tokens only. */
let strictSends: Record<string, Send>;
let cases: PrimedCase[];
let rs: ResourceServer;

beforeAll(async () => {
  server = await startRealServer();
  resource = 'https://api.example.com';
  agent = await createAgent(server.server, { resources: [resource] });
  rs = createResourceServer({ issuer: server.issuer, resource, revocation: new RevocationState(), metadata: { scopes_supported: ['orders:read'], resource_name: 'Orders' } });
  sends = await adapters(rs);
  strictSends = await adapters(createResourceServer({ issuer: server.issuer, resource, revocation: 'off', dpop: { required: true } }));
  cases = await hostileCases(server, resource);
});
afterAll(async () => {
  for (const close of closers) await close();
  await server.close();
});

const ADAPTERS = ['fetch', 'fastify', 'express', 'hono', 'node'] as const;

describe.each(ADAPTERS)('%s adapter', (name) => {
  const send = (...args: Parameters<Send>) => sends[name]!(...args);

  it('passes a valid token through with its principal', async () => {
    const token = await issueToken(server, agent, { resource, scope: 'orders:read' });
    const answer = await send('GET', '/orders?x=1', { authorization: `Bearer ${token}` });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ agent: agent.id });
  });

  it('passes a DPoP-bound token with its proof (htu is the public URL)', async () => {
    const key = await dpopKeyPair();
    const token = await mintWithServerKey(server, { sub: agent.id, client_id: agent.id, scope: 'orders:read', cnf: { jkt: key.jkt } });
    const proof = await dpopProof(key, { method: 'GET', url: `${resource}/orders`, accessToken: token });
    expect((await send('GET', '/orders?x=1', { authorization: `DPoP ${token}`, dpop: proof })).status).toBe(200);
  });

  it('serves RFC 9728 metadata at /.well-known/oauth-protected-resource', async () => {
    const answer = await send('GET', '/.well-known/oauth-protected-resource');
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(answer.body)).toMatchObject({
      resource,
      authorization_servers: [server.issuer],
      scopes_supported: ['orders:read'],
      resource_name: 'Orders',
      bearer_methods_supported: ['header'],
      dpop_signing_alg_values_supported: ['ES256', 'EdDSA', 'PS256'],
      tls_client_certificate_bound_access_tokens: true,
    });
  });

  it('answers no token with 401 and challenges naming resource_metadata', async () => {
    const answer = await send('GET', '/orders');
    expect(answer.status).toBe(401);
    expect(answer.headers['www-authenticate']).toContain(`Bearer resource_metadata="${resource}/.well-known/oauth-protected-resource"`);
    expect(answer.headers['www-authenticate']).toContain('DPoP algs="ES256 EdDSA PS256"');
  });

  it('tells the service why it refused (onRefused): an expired token and one for another audience, apart', async () => {
    refused[name]!.length = 0;
    const now = Math.floor(Date.now() / 1000);
    const expired = forgeWithServerKey(server, { typ: 'at+jwt' }, baseClaims(server, resource, { exp: now - 60 }));
    const elsewhere = forgeWithServerKey(server, { typ: 'at+jwt' }, baseClaims(server, resource, { aud: 'https://other.example' }));
    const answers = [];
    for (const token of [expired, elsewhere]) answers.push(await send('GET', '/orders?page=2', { authorization: `Bearer ${token}` }));
    expect(refused[name]).toEqual([
      { code: 'ERR_TOKEN_EXPIRED', path: '/orders' },
      { code: 'ERR_TOKEN_AUDIENCE', path: '/orders' },
    ]);
    // The client is told the same fixed text both times; only the service hears the difference.
    expect(answers.map((answer) => [answer.status, answer.headers['www-authenticate'], answer.body])).toEqual([
      [401, answers[0]!.headers['www-authenticate'], answers[0]!.body],
      [401, answers[0]!.headers['www-authenticate'], answers[0]!.body],
    ]);
    expect(answers[0]!.headers['www-authenticate']).toMatch(/^Bearer error="invalid_token"/);
  });

  it('where DPoP is required: a garbage token is refused as the token, another scheme earns a bare DPoP challenge', async () => {
    const strict = strictSends[name]!;
    const garbage = await strict('GET', '/orders', { authorization: 'Bearer not.a.token' });
    expect([garbage.status, garbage.headers['www-authenticate']]).toEqual([401, expect.stringMatching(/^DPoP error="invalid_token", error_description="the access token is invalid", algs="[^"]+", resource_metadata="[^"]+"$/)]);
    expect(refused[name]!.at(-1)?.code).toBe('ERR_TOKEN_MALFORMED');
    const basic = await strict('GET', '/orders', { authorization: `Basic ${Buffer.from('user:pass').toString('base64')}` });
    expect([basic.status, basic.headers['www-authenticate'], basic.body]).toEqual([401, `DPoP algs="ES256 EdDSA PS256", resource_metadata="${resource}/.well-known/oauth-protected-resource"`, '']);
    expect(refused[name]!.at(-1)?.code).toBe('ERR_REQUEST_NO_TOKEN');
  });

  it('answers a missing scope with 403 insufficient_scope and the scope needed', async () => {
    const token = await issueToken(server, agent, { resource, scope: 'orders:write' });
    const answer = await send('GET', '/orders', { authorization: `Bearer ${token}` });
    expect(answer.status).toBe(403);
    expect(answer.headers['www-authenticate']).toMatch(/^Bearer error="insufficient_scope", error_description="[^"]+", scope="orders:read", resource_metadata=/);
    expect(JSON.parse(answer.body)).toMatchObject({ error: 'insufficient_scope' });
  });

  it('refuses every hostile token and proof with the right status and challenge, never a 500', async () => {
    for (const hostile of cases) {
      const url = `${resource}/orders`;
      if (hostile.prime !== undefined) {
        const first = await hostile.prime(url, 'GET', async (headers) => (await send('GET', '/orders', headers)).status);
        expect(first, hostile.name).toBe(200);
      }
      const answer = await send('GET', '/orders', await hostile.headers(url, 'GET'));
      expect({ name: hostile.name, status: answer.status }).toEqual({ name: hostile.name, status: hostile.status });
      expect(answer.headers['www-authenticate'], hostile.name).toMatch(hostile.challenge);
      expect(answer.headers['cache-control'], hostile.name).toBe('no-store');
      // The refusal never echoes the credential.
      const authorization = (await hostile.headers(url, 'GET')).authorization;
      const credential = String(Array.isArray(authorization) ? authorization[0] : authorization).split(' ')[1] ?? '';
      if (credential.length > 20) expect(answer.body).not.toContain(credential.slice(0, 40));
    }
  });
});

describe('onRefused by default', () => {
  const expiredToken = () => forgeWithServerKey(server, { typ: 'at+jwt' }, baseClaims(server, resource, { exp: Math.floor(Date.now() / 1000) - 60 }));

  it('fastify: a debug line on the request logger with the code, never the token', async () => {
    const lines: string[] = [];
    const app = Fastify({ logger: { level: 'debug', stream: { write: (line: string) => lines.push(line) } } });
    await registerAgentAuth(app, rs);
    app.get('/orders', { preHandler: fastifyAgentAuth(rs) }, async () => 'never');
    await app.listen({ port: 0, host: '127.0.0.1' });
    closers.push(() => app.close());
    const address = app.server.address();
    const token = expiredToken();
    const answer = await overHttp(`http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`)('GET', '/orders', { authorization: `Bearer ${token}` });
    expect(answer.status).toBe(401);
    const refusals = lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.msg === 'agentauth: request refused');
    expect(refusals).toEqual([expect.objectContaining({ level: 20, code: 'ERR_TOKEN_EXPIRED', status: 401 })]);
    expect(lines.join('\n')).not.toContain(token.split('.')[1]);
  });

  it('the other adapters: silent, unless NODE_DEBUG names agentauth; then one console.debug line with the code', async () => {
    const guard = nodeAgentAuth(rs);
    const node = overHttp(await listen(async (req, res) => void (await guard(req, res))));
    const token = expiredToken();
    const debug = vi.spyOn(console, 'debug').mockImplementation(() => undefined);
    const before = process.env.NODE_DEBUG;
    try {
      delete process.env.NODE_DEBUG;
      expect((await node('GET', '/orders', { authorization: `Bearer ${token}` })).status).toBe(401);
      expect(debug).not.toHaveBeenCalled();
      process.env.NODE_DEBUG = 'http,agentauth';
      expect((await node('GET', '/orders', { authorization: `Bearer ${token}` })).status).toBe(401);
      expect(debug.mock.calls).toEqual([['agentauth: request refused: ERR_TOKEN_EXPIRED (401)']]);
    } finally {
      if (before === undefined) delete process.env.NODE_DEBUG;
      else process.env.NODE_DEBUG = before;
      debug.mockRestore();
    }
  });

  it('a hook that throws never changes the answer', async () => {
    const handler = withAgentAuth(rs, () => new Response('never'), {
      onRefused: () => {
        throw new Error('broken hook');
      },
    });
    const answer = await handler(new Request(`${resource}/orders`, { headers: { authorization: `Bearer ${expiredToken()}` } }));
    expect([answer.status, answer.headers.get('www-authenticate')]).toEqual([401, expect.stringMatching(/^Bearer error="invalid_token"/)]);
  });
});
