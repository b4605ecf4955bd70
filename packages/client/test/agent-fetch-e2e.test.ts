import { createServer, type Server } from 'node:http';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createResourceServer, requireScopes } from '@agentauth/resource-server';
import { nodeAgentAuth } from '@agentauth/resource-server/node';
import { freePort } from '../../cli/test/helpers/server-process.js';
import { createAgent, InsufficientScopeError, memoryKeyStore, type Agent } from '../src/index.js';
import { countingFetch, startAgentAuth, type AgentAuthProcess } from './helpers/agentauth-process.js';

let server: AgentAuthProcess;
let api: Server;
let apiBase: string;
const firstTokens = new Set<string>();

beforeAll(async () => {
  // Both the token endpoint and the API require DPoP nonces (RFC 9449 §8, §9).
  server = await startAgentAuth({ AGENTAUTH_DPOP_NONCE: 'required' });
  const port = await freePort();
  apiBase = `http://127.0.0.1:${port}/api`;
  const rs = createResourceServer({ issuer: server.issuer, resource: apiBase, revocation: 'off', dpop: { requireNonce: true } });
  const read = nodeAgentAuth(rs, { checks: [requireScopes('orders:read')] });
  const write = nodeAgentAuth(rs, { checks: [requireScopes('orders:write')] });
  api = createServer(async (req, res) => {
    const path = new URL(req.url ?? '/', apiBase).pathname;
    if (path === '/api/flaky') {
      // Refuses the first token it sees once, as a resource server that restarted with stale keys would.
      const token = (req.headers.authorization ?? '').split(' ')[1] ?? '';
      if (firstTokens.size === 0) {
        firstTokens.add(token);
        res.writeHead(401, { 'www-authenticate': 'DPoP error="invalid_token"' }).end();
        return;
      }
    }
    const principal = await (path === '/api/write' ? write : read)(req, res);
    if (principal === undefined) return;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ agent: principal.agentId, binding: principal.binding, scopes: principal.scopes }));
  });
  await new Promise<void>((resolve) => api.listen(port, '127.0.0.1', resolve));
});
afterAll(async () => {
  await new Promise((resolve) => api?.close(resolve));
  await server?.close();
});

describe('agent.fetch with DPoP against a real server and a real resource server', () => {
  let agent: Agent;
  let counter: ReturnType<typeof countingFetch>;
  let agentId: string;
  beforeAll(async () => {
    agentId = await server.createAgent({ resources: [`${apiBase}`], grant_types: ['client_credentials', 'urn:ietf:params:oauth:grant-type:token-exchange'] });
    counter = countingFetch();
    agent = await createAgent({
      issuer: server.issuer,
      keyStore: memoryKeyStore(),
      enrollmentToken: await server.enrollmentToken(agentId),
      dpop: true,
      resources: { [apiBase]: { scope: 'orders:read' } },
      fetch: counter.fetch,
    });
  });

  it('gets a DPoP-bound token after the server asks for a nonce, and calls the API with a proof (one nonce retry each)', async () => {
    const response = await agent.fetch(`${apiBase}/orders?limit=5`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ agent: agentId, binding: 'dpop', scopes: ['orders:read'] });
    // /token: the first proof has no nonce -> use_dpop_nonce -> one retry. Same at the API.
    expect(counter.count('/token')).toBe(2);
    expect(counter.count('/api/orders')).toBe(2);
    const token = await agent.getToken({ resource: apiBase, scope: 'orders:read' });
    expect(token.tokenType).toBe('DPoP');
    expect(decodeJwt(token.accessToken)).toMatchObject({ cnf: { jkt: agent.dpopThumbprint } });
  });

  it('reuses the nonces it learnt: the next calls need no retry', async () => {
    counter.reset();
    const response = await agent.fetch(`${apiBase}/orders`, { scope: 'orders:read orders:write' });
    expect(response.status).toBe(200);
    expect(counter.count('/token')).toBe(1);
  });

  it('surfaces 403 insufficient_scope as InsufficientScopeError naming the scope', async () => {
    const error = await agent.fetch(`${apiBase}/write`, { method: 'POST', body: '{}' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InsufficientScopeError);
    expect((error as InsufficientScopeError).error).toBe('insufficient_scope');
    expect((error as InsufficientScopeError).requiredScope).toBe('orders:write');
  });

  it('retries once on 401 with a fresh token', async () => {
    counter.reset();
    const response = await agent.fetch(`${apiBase}/flaky`);
    expect(response.status).toBe(200);
    expect(counter.count('/token')).toBe(1);
    expect(counter.count('/api/flaky')).toBe(2);
  });

  it('exchanges a token for a per-task token (RFC 8693) with task_id', async () => {
    const own = await agent.getToken({ resource: apiBase, scope: 'orders:read' });
    const task = await agent.exchange({ subjectToken: own.accessToken, resource: apiBase, scope: 'orders:read', taskId: 'task-42' });
    expect(task.accessToken).not.toBe(own.accessToken);
    expect(decodeJwt(task.accessToken)).toMatchObject({ sub: agentId, task_id: 'task-42', scope: 'orders:read' });
    await expect(agent.exchange({ subjectToken: own.accessToken, taskId: 'not a task id!' })).rejects.toBeInstanceOf(TypeError);
  });

  it("acts for another agent: exchanging that agent's token adds its own actor_token, and act names it", async () => {
    const userId = await server.createAgent({ resources: [`${apiBase}`] });
    const user = await createAgent({ issuer: server.issuer, keyStore: memoryKeyStore(), enrollmentToken: await server.enrollmentToken(userId) });
    const userToken = await user.getToken({ resource: apiBase, scope: 'orders:read' });
    const delegated = await agent.exchange({ subjectToken: userToken.accessToken, resource: apiBase, scope: 'orders:read' });
    expect(decodeJwt(delegated.accessToken)).toMatchObject({ sub: userId, client_id: agentId, act: { sub: agentId } });
  });
});
