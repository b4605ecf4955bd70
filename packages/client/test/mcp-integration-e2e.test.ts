import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../cli/test/helpers/server-process.js';
import { createAgent, InsufficientScopeError, memoryKeyStore, type Agent } from '../src/index.js';
import { mcpFetch, mcpTransportOptions, type McpAuthOptions } from '../src/mcp.js';
import { countingFetch, startAgentAuth, type AgentAuthProcess } from './helpers/agentauth-process.js';
// @ts-expect-error: the examples are plain JavaScript, without declarations.
import { startMcpServer } from '../../../examples/mcp-server/server.js';

/**
 * @agentauth/client/mcp end to end: the MCP SDK's real client and streamable HTTP transport, the
 * example MCP server (real MCP SDK server behind @agentauth/resource-server, requiring
 * `orders:read`), and a real agentauth server process.
 */

let server: AgentAuthProcess;
let mcp: { close(): Promise<void> };
let mcpUrl: string;

beforeAll(async () => {
  server = await startAgentAuth();
  const port = await freePort();
  mcpUrl = `http://127.0.0.1:${port}/mcp`;
  mcp = (await startMcpServer({ issuer: server.issuer, resource: mcpUrl, port, revocation: 'off' })) as { close(): Promise<void> };
});
afterAll(async () => {
  await mcp?.close();
  await server?.close();
});

async function agentAllowed(scopes: string[], fetch: typeof globalThis.fetch = globalThis.fetch): Promise<Agent> {
  const agentId = await server.createAgent({ resources: [mcpUrl], scopes });
  return createAgent({ issuer: server.issuer, keyStore: memoryKeyStore(), enrollmentToken: await server.enrollmentToken(agentId), dpop: true, fetch });
}

/** Connects the MCP SDK client through the helper and calls `whoami`: the principal the MCP server saw. */
async function whoami(agent: Agent, options: Omit<McpAuthOptions, 'resource'>): Promise<Record<string, unknown>> {
  const client = new Client({ name: 'mcp-integration-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(mcpUrl), mcpTransportOptions(agent, { resource: mcpUrl, ...options })));
  try {
    const result = (await client.callTool({ name: 'whoami', arguments: {} })) as { content: { type: string; text: string }[] };
    return JSON.parse(result.content[0]?.text ?? '') as Record<string, unknown>;
  } finally {
    await client.close();
  }
}

describe('mcpTransportOptions with the MCP SDK client transport', () => {
  it("runs the MCP session with a DPoP-bound token for the MCP server's URL and scope", async () => {
    const agent = await agentAllowed(['orders:read']);
    const principal = await whoami(agent, { scope: 'orders:read' });
    expect(principal).toEqual({ agentId: agent.clientId, clientId: agent.clientId, scopes: ['orders:read'], binding: 'dpop' });
  });

  it('steps up once to the scope an insufficient_scope challenge names, and keeps it for later requests', async () => {
    const fetches = countingFetch();
    const agent = await agentAllowed(['orders:read', 'orders:write'], fetches.fetch);
    const principal = await whoami(agent, { scope: 'orders:write' });
    expect(principal).toMatchObject({ agentId: agent.clientId, binding: 'dpop' });
    expect((principal['scopes'] as string[]).sort()).toEqual(['orders:read', 'orders:write']);
    // The first token (orders:write) and the stepped-up one; every later MCP request reuses it.
    expect(fetches.count('/token')).toBe(2);
  });

  it('rejects connect with InsufficientScopeError naming the scope when the agent may not have it', async () => {
    const agent = await agentAllowed(['orders:write']);
    const refused = await whoami(agent, { scope: 'orders:write' }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(InsufficientScopeError);
    expect(refused).toMatchObject({ requiredScope: 'orders:read', status: 403 });
  });

  it('with stepUp: false, asks for no other scope than the one given', async () => {
    const fetches = countingFetch();
    const agent = await agentAllowed(['orders:read', 'orders:write'], fetches.fetch);
    const refused = await whoami(agent, { scope: 'orders:write', stepUp: false }).catch((error: unknown) => error);
    expect(refused).toMatchObject({ name: 'InsufficientScopeError', requiredScope: 'orders:read' });
    expect(fetches.count('/token')).toBe(1);
  });

  it("never sends the token to another origin than the MCP server's", async () => {
    const fetches = countingFetch();
    const agent = await agentAllowed(['orders:read'], fetches.fetch);
    const send = mcpFetch(agent, { resource: mcpUrl, scope: 'orders:read' });
    await expect(send('http://127.0.0.2:9/mcp', { method: 'POST', body: '{}' })).rejects.toThrow(TypeError);
    expect(fetches.count('/token')).toBe(0);
  });

  it('refuses misuse at once', async () => {
    const agent = await agentAllowed(['orders:read']);
    expect(() => mcpFetch(agent, { resource: 'not a url' })).toThrow(TypeError);
    expect(() => mcpFetch(agent, { resource: mcpUrl, scope: '' })).toThrow(TypeError);
    expect(() => mcpFetch({} as Agent, { resource: mcpUrl })).toThrow(TypeError);
  });
});
