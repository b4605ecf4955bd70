import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSignalsFeed, type SignalsFeed } from '../src/index.js';
// @ts-expect-error: the example is plain JavaScript, without declarations.
import { startMcpServer } from '../../../examples/mcp-server/server.js';
import { createAgent, freePort, issueToken, startRealServer, type RealServer, type TestAgent } from './support/real-server.js';

let server: RealServer;
let caller: TestAgent;
let feed: SignalsFeed;
let mcp: { close(): Promise<void> };
let resource: string;

beforeAll(async () => {
  server = await startRealServer();
  const port = await freePort();
  resource = `http://127.0.0.1:${port}/mcp`;
  const service = await createAgent(server.server, { name: 'orders-mcp', scopes: ['agentauth:signals'], resources: [server.issuer] });
  caller = await createAgent(server.server, { scopes: ['orders:read'], resources: [resource] });
  feed = createSignalsFeed({ issuer: server.issuer, credentials: { clientId: service.id, privateKey: service.privateKey, alg: 'ES256', kid: service.kid } });
  await feed.start();
  mcp = (await startMcpServer({ issuer: server.issuer, resource, port, revocation: feed })) as { close(): Promise<void> };
});
afterAll(async () => {
  await mcp.close();
  await feed.close();
  await server.close();
});

describe('examples/mcp-server', () => {
  it('lets an agent with a token call a tool through the official MCP client', async () => {
    const token = await issueToken(server, caller, { resource, scope: 'orders:read' });
    const client = new Client({ name: 'test-agent', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(resource), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
    const tools = await client.listTools();
    expect(tools.tools.map((tool) => tool.name).sort()).toEqual(['list_orders', 'whoami']);
    const result = (await client.callTool({ name: 'whoami', arguments: {} })) as { content: { type: string; text: string }[] };
    expect(JSON.parse(result.content[0]!.text)).toEqual({ agentId: caller.id, clientId: caller.id, scopes: ['orders:read'], binding: 'bearer' });
    await client.close();
  });

  it('answers an unauthenticated MCP request with 401 and resource_metadata, which names the authorization server', async () => {
    const response = await fetch(resource, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '1' } } }),
    });
    expect(response.status).toBe(401);
    const challenge = response.headers.get('www-authenticate') ?? '';
    const metadataUrl = /resource_metadata="([^"]+)"/.exec(challenge)?.[1];
    expect(metadataUrl).toBe(`${new URL(resource).origin}/.well-known/oauth-protected-resource/mcp`);
    const metadata = (await (await fetch(metadataUrl!)).json()) as Record<string, unknown>;
    expect(metadata).toMatchObject({ resource, authorization_servers: [server.issuer], scopes_supported: ['orders:read'] });
  });
});
