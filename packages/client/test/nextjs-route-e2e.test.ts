import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createAgent, InsufficientScopeError, memoryKeyStore, type Agent, type StoredIdentity } from '../src/index.js';
import { startAgentAuth, type AgentAuthProcess } from './helpers/agentauth-process.js';

/**
 * The Next.js route handler of docs/resource-server.md, run as Next.js runs it: the module
 * examples/nextjs-route/app/api/orders/route.ts, its `GET` called with Web `Request` objects,
 * against a real agentauth server process. The agents' own `fetch` hands their requests to `GET`.
 */

const ROUTE = 'https://shop.example.com/api/orders';
const ENV = ['AGENTAUTH_ISSUER', 'ORDERS_RESOURCE', 'AGENTAUTH_SIGNALS_CLIENT_ID', 'AGENTAUTH_SIGNALS_PRIVATE_JWK'];
type RouteModule = { GET(request: Request): Promise<Response> };

let server: AgentAuthProcess;

beforeAll(async () => {
  server = await startAgentAuth();
});
afterAll(async () => {
  for (const name of ENV) delete process.env[name];
  await server?.close();
});

/** A fresh copy of the route module (its lazily built check included), as a new server process has. */
async function loadRoute(env: Record<string, string>): Promise<RouteModule> {
  for (const name of ENV) delete process.env[name];
  Object.assign(process.env, { AGENTAUTH_ISSUER: server.issuer, ORDERS_RESOURCE: ROUTE, ...env });
  vi.resetModules();
  return (await import('../../../examples/nextjs-route/app/api/orders/route.js')) as RouteModule;
}

async function agentAllowed(scopes: string[], route: RouteModule, resources = [ROUTE]): Promise<Agent> {
  const agentId = await server.createAgent({ resources, scopes });
  const toRoute: typeof fetch = (input, init) => {
    const url = new URL(input instanceof Request ? input.url : input);
    return url.href.startsWith(ROUTE) ? route.GET(new Request(url, init)) : fetch(input, init);
  };
  return createAgent({ issuer: server.issuer, keyStore: memoryKeyStore(), enrollmentToken: await server.enrollmentToken(agentId), dpop: true, fetch: toRoute });
}

describe("the route with revocation 'off' (Edge, serverless)", () => {
  let route: RouteModule;
  beforeAll(async () => {
    route = await loadRoute({});
  });

  it('answers an agent holding orders:read, with a DPoP-bound token', async () => {
    const agent = await agentAllowed(['orders:read'], route);
    const response = await agent.fetch(ROUTE, { resource: ROUTE, scope: 'orders:read' });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ agent: agent.clientId, orders: [{ id: 'o-1', item: 'widget', quantity: 3 }] });
  });

  it('refuses a request without a token with the RFC 6750 challenge and its RFC 9728 metadata URL', async () => {
    const response = await route.GET(new Request(ROUTE));
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toContain('resource_metadata="https://shop.example.com/.well-known/oauth-protected-resource/api/orders"');
  });

  it('refuses a token without orders:read with 403 insufficient_scope', async () => {
    const agent = await agentAllowed(['orders:read', 'orders:write'], route);
    const refused = await agent.fetch(ROUTE, { resource: ROUTE, scope: 'orders:write' }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(InsufficientScopeError);
    expect(refused).toMatchObject({ requiredScope: 'orders:read' });
  });
});

describe('the route following the Shared Signals feed (a long-lived Node.js process)', () => {
  let route: RouteModule;
  beforeAll(async () => {
    // The service's own identity, with the scope the feed needs: enrolled like any agent.
    const serviceId = await server.createAgent({ resources: [server.issuer], scopes: ['agentauth:signals'] });
    const store = memoryKeyStore();
    await createAgent({ issuer: server.issuer, keyStore: store, enrollmentToken: await server.enrollmentToken(serviceId) });
    const identity = (await store.load()) as StoredIdentity;
    route = await loadRoute({ AGENTAUTH_SIGNALS_CLIENT_ID: identity.clientId, AGENTAUTH_SIGNALS_PRIVATE_JWK: JSON.stringify({ ...identity.privateJwk, kid: identity.kid }) });
  });

  it("refuses a suspended agent's token that has not expired", async () => {
    const agent = await agentAllowed(['orders:read'], route);
    const token = await agent.getToken({ resource: ROUTE, scope: 'orders:read' });
    expect((await agent.fetch(ROUTE, { token })).status).toBe(200);
    await server.admin('POST', `/agents/${agent.clientId}/suspend`);
    // The feed delivers the revocation within about a second: poll for it (no fixed sleep).
    await expect.poll(async () => (await agent.fetch(ROUTE, { token })).status, { timeout: 15_000 }).toBe(401);
  });
});

describe('docs/resource-server.md', () => {
  it('shows the route handler exactly as the file this test runs', async () => {
    const doc = await readFile(new URL('../../../docs/resource-server.md', import.meta.url), 'utf8');
    const file = await readFile(new URL('../../../examples/nextjs-route/app/api/orders/route.ts', import.meta.url), 'utf8');
    const section = doc.slice(doc.indexOf('## Next.js route handlers'));
    const block = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
    expect(block).toBe(file);
  });
});
