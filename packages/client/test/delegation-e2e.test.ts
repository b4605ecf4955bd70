import { createServer, type Server } from 'node:http';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createResourceServer } from '@agentauth/resource-server';
import { nodeAgentAuth } from '@agentauth/resource-server/node';
import { GRANT_TOKEN_EXCHANGE } from '@agentauth/protocol';
import { freePort } from '../../cli/test/helpers/server-process.js';
import { accessTokenHash, createAgent, memoryKeyStore, type Agent } from '../src/index.js';
import { countingFetch, startAgentAuth, type AgentAuthProcess } from './helpers/agentauth-process.js';

let server: AgentAuthProcess;
let api: Server;
let apiBase: string;
const seen: { authorization: string; dpop: string | undefined }[] = [];

beforeAll(async () => {
  server = await startAgentAuth({ AGENTAUTH_DPOP_NONCE: 'required' });
  const port = await freePort();
  apiBase = `http://127.0.0.1:${port}/api`;
  // The resource server asks for its own DPoP nonce (RFC 9449 §9), so a first call is retried once.
  const rs = createResourceServer({ issuer: server.issuer, resource: apiBase, revocation: 'off', dpop: { requireNonce: true } });
  const guard = nodeAgentAuth(rs);
  api = createServer(async (req, res) => {
    seen.push({ authorization: (req.headers.authorization ?? '').split(' ')[0] ?? '', dpop: req.headers.dpop as string | undefined });
    const principal = await guard(req, res);
    if (principal === undefined) return;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ agent: principal.agentId, binding: principal.binding, actors: principal.actors }));
  });
  await new Promise<void>((resolve) => api.listen(port, '127.0.0.1', resolve));
});
afterAll(async () => {
  await new Promise((resolve) => api?.close(resolve));
  await server?.close();
});

describe('calling a resource server with a delegated token (RFC 8693, RFC 9449 §7.1)', () => {
  let user: Agent;
  let userId: string;
  let first: Agent;
  let firstId: string;
  let second: Agent;
  let secondId: string;
  let counter: ReturnType<typeof countingFetch>;

  beforeAll(async () => {
    const exchanging = { resources: [apiBase], grant_types: ['client_credentials', GRANT_TOKEN_EXCHANGE] };
    userId = await server.createAgent({ resources: [apiBase] });
    firstId = await server.createAgent(exchanging);
    secondId = await server.createAgent(exchanging);
    counter = countingFetch();
    user = await createAgent({ issuer: server.issuer, keyStore: memoryKeyStore(), enrollmentToken: await server.enrollmentToken(userId) });
    // The second hop holds a DPoP key, so its exchanged token is DPoP-bound. The first does not:
    // the server refuses a sender-constrained subject token from any client but its holder.
    first = await createAgent({ issuer: server.issuer, keyStore: memoryKeyStore(), enrollmentToken: await server.enrollmentToken(firstId) });
    second = await createAgent({ issuer: server.issuer, keyStore: memoryKeyStore(), enrollmentToken: await server.enrollmentToken(secondId), dpop: true, fetch: counter.fetch });
  });

  it('the first hop sends its delegated token as Bearer, and the resource server sees one actor', async () => {
    const userToken = await user.getToken({ resource: apiBase, scope: 'orders:read' });
    const delegated = await first.exchange({ subjectToken: userToken.accessToken, resource: apiBase, scope: 'orders:read' });
    expect(delegated.tokenType).toBe('Bearer');
    seen.length = 0;
    const response = await first.fetch(`${apiBase}/orders`, { token: delegated });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ agent: userId, binding: 'bearer', actors: [{ sub: firstId }] });
    expect(seen).toEqual([{ authorization: 'Bearer', dpop: undefined }]);
  });

  it("the second hop's token is DPoP-bound: sent with a proof by its DPoP key (ath of that token), retried once for the nonce, and the chain arrives flat", async () => {
    const userToken = await user.getToken({ resource: apiBase, scope: 'orders:read' });
    const firstHop = await first.exchange({ subjectToken: userToken.accessToken, resource: apiBase, scope: 'orders:read' });
    const secondHop = await second.exchange({ subjectToken: firstHop.accessToken, resource: apiBase, scope: 'orders:read' });
    expect(secondHop.tokenType).toBe('DPoP');
    expect(decodeJwt(secondHop.accessToken)).toMatchObject({ sub: userId, act: { sub: secondId, act: { sub: firstId } }, cnf: { jkt: second.dpopThumbprint } });

    counter.reset();
    seen.length = 0;
    const response = await second.fetch(`${apiBase}/orders`, { token: secondHop });
    expect(response.status).toBe(200);
    // RFC 8693 §4.1 nests prior actors; the principal lists them most recent first, none nested.
    expect(await response.json()).toEqual({ agent: userId, binding: 'dpop', actors: [{ sub: secondId }, { sub: firstId }] });
    expect(counter.count('/api/orders')).toBe(2);
    expect(counter.count('/token')).toBe(0);
    expect(seen.map((s) => s.authorization)).toEqual(['DPoP', 'DPoP']);
    expect(decodeJwt(seen[1]?.dpop ?? '')).toMatchObject({ ath: await accessTokenHash(secondHop.accessToken), htm: 'GET' });
  });

  it("returns a refused given token's 401 as it is: it cannot be replaced, so no new token is fetched", async () => {
    const userToken = await user.getToken({ resource: apiBase, scope: 'orders:read' });
    const delegated = await first.exchange({ subjectToken: userToken.accessToken, resource: apiBase, scope: 'orders:read' });
    const tampered = { ...delegated, accessToken: `${delegated.accessToken.slice(0, -2)}AA` };
    counter.reset();
    const response = await second.fetch(`${apiBase}/orders`, { token: tampered });
    expect(response.status).toBe(401);
    expect(counter.count('/token')).toBe(0);
    expect(counter.count('/api/orders')).toBe(1);
  });

  it('refuses misuse at once: a DPoP token without a DPoP key, a token with scope, an unknown token type', async () => {
    const userToken = await user.getToken({ resource: apiBase, scope: 'orders:read' });
    const firstHop = await first.exchange({ subjectToken: userToken.accessToken, resource: apiBase, scope: 'orders:read' });
    const bound = await second.exchange({ subjectToken: firstHop.accessToken, resource: apiBase, scope: 'orders:read' });
    await expect(first.fetch(`${apiBase}/orders`, { token: bound })).rejects.toThrow(/DPoP key/);
    await expect(second.fetch(`${apiBase}/orders`, { token: bound, scope: 'orders:read' })).rejects.toBeInstanceOf(TypeError);
    await expect(second.fetch(`${apiBase}/orders`, { token: { ...bound, tokenType: 'Mac' as 'Bearer' } })).rejects.toBeInstanceOf(TypeError);
  });
});
