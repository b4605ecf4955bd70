import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
// @ts-expect-error: plain JavaScript.
import { ORDERS, startOrdersApi } from '../../../examples/orders-api/server.js';

let server: AgentAuthProcess;
let api: { close(): Promise<void> };
let apiOrigin: string;
let dir: string;
const callers: string[] = [];

beforeAll(async () => {
  server = await startAgentAuth();
  dir = await mkdtemp(join(tmpdir(), 'agentauth-examples-'));
  const port = await freePort();
  apiOrigin = `http://127.0.0.1:${port}`;
  // The shipped orders API; its revocation feed is run by examples-readme.test.ts, as its README does.
  api = (await startOrdersApi({ issuer: server.issuer, resource: apiOrigin, port, revocation: 'off', onRequest: (principal: { agentId: string; binding: string }) => callers.push(`${principal.agentId}:${principal.binding}`) })) as { close(): Promise<void> };
});
afterAll(async () => {
  await api?.close();
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
    // The model asked for at most 5: there are fewer.
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
