import { createServer, type Server } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createResourceServer, requireScopes } from '@agentauth/resource-server';
import { nodeAgentAuth } from '@agentauth/resource-server/node';
import { freePort } from '../../cli/test/helpers/server-process.js';
import { createAgent, memoryKeyStore } from '../src/index.js';
import { countingFetch, startAgentAuth, type AgentAuthProcess } from './helpers/agentauth-process.js';
// @ts-expect-error: the examples are plain JavaScript, without declarations.
import { runAgentScript } from '../../../examples/agent-script/agent.js';
// @ts-expect-error: plain JavaScript.
import { runAiAgent, scriptedModel } from '../../../examples/ai-sdk-agent/agent.js';
// @ts-expect-error: plain JavaScript.
import { callMcpTool } from '../../../examples/mcp-client/client.js';
// @ts-expect-error: plain JavaScript.
import { startMcpServer } from '../../../examples/mcp-server/server.js';

const ORDERS = [{ id: 'o-1', item: 'widget', quantity: 3 }];

let server: AgentAuthProcess;
let api: Server;
let apiOrigin: string;
let dir: string;
const callers: string[] = [];

beforeAll(async () => {
  server = await startAgentAuth();
  dir = await mkdtemp(join(tmpdir(), 'agentauth-examples-'));
  const port = await freePort();
  apiOrigin = `http://127.0.0.1:${port}`;
  const rs = createResourceServer({ issuer: server.issuer, resource: apiOrigin, revocation: 'off' });
  const guard = nodeAgentAuth(rs, { checks: [requireScopes('orders:read')] });
  api = createServer(async (req, res) => {
    const principal = await guard(req, res);
    if (principal === undefined) return;
    callers.push(`${principal.agentId}:${principal.binding}`);
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(ORDERS));
  });
  await new Promise<void>((resolve) => api.listen(port, '127.0.0.1', resolve));
});
afterAll(async () => {
  await new Promise((resolve) => api?.close(resolve));
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('examples/agent-script', () => {
  it('enrols on the first run, not on the second, and calls the API with a DPoP-bound token each time', async () => {
    const agentId = await server.createAgent({ resources: [apiOrigin] });
    const enrollmentToken = await server.enrollmentToken(agentId);
    const options = { issuer: server.issuer, enrollmentToken, identityFile: join(dir, 'script.json'), apiUrl: `${apiOrigin}/orders`, resource: apiOrigin, scope: 'orders:read' };
    const first = await runAgentScript(options);
    expect(first).toEqual({ clientId: agentId, status: 200, body: ORDERS });
    const second = await runAgentScript(options);
    expect(second).toEqual(first);
    expect(callers.slice(-2)).toEqual([`${agentId}:dpop`, `${agentId}:dpop`]);
  });
});

describe('examples/ai-sdk-agent', () => {
  it("runs the model's tool call through the SDK against the protected API", async () => {
    const agentId = await server.createAgent({ resources: [apiOrigin] });
    const fetches = countingFetch();
    const agent = await createAgent({ issuer: server.issuer, keyStore: memoryKeyStore(), enrollmentToken: await server.enrollmentToken(agentId), resources: { [apiOrigin]: { scope: 'orders:read' } }, fetch: fetches.fetch });
    const result = await runAiAgent({ agent, ordersApi: `${apiOrigin}/orders`, model: await scriptedModel() });
    expect(result.toolResults).toEqual([{ tool: 'listOrders', output: ORDERS }]);
    expect(result.text).toBe('Here are the open orders.');
    expect(callers.at(-1)).toBe(`${agentId}:bearer`);
    expect(fetches.count('/token')).toBe(1);
  });
});

describe('examples/mcp-client', () => {
  let mcp: { close(): Promise<void> };
  let mcpUrl: string;
  beforeAll(async () => {
    const port = await freePort();
    mcpUrl = `http://127.0.0.1:${port}/mcp`;
    mcp = (await startMcpServer({ issuer: server.issuer, resource: mcpUrl, port, revocation: 'off' })) as { close(): Promise<void> };
  });
  afterAll(async () => {
    await mcp?.close();
  });

  it('calls a tool of the protected MCP server, with a DPoP-bound token for its resource', async () => {
    const agentId = await server.createAgent({ resources: [mcpUrl] });
    const agent = await createAgent({ issuer: server.issuer, keyStore: memoryKeyStore(), enrollmentToken: await server.enrollmentToken(agentId), dpop: true });
    const { tools, result } = (await callMcpTool(agent, mcpUrl, 'whoami')) as { tools: string[]; result: { content: { text: string }[] } };
    expect(tools.sort()).toEqual(['list_orders', 'whoami']);
    expect(JSON.parse(result.content[0]?.text ?? '')).toMatchObject({ agentId, scopes: ['orders:read'], binding: 'dpop' });
  });
});
