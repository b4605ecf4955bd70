// An MCP client (Model Context Protocol, streamable HTTP) whose every request carries an
// agentauth token for the MCP server's resource. Uses @agentauth/client/mcp: `mcpTransportOptions`
// gives the transport a `fetch` that goes through `agent.fetch` (DPoP proofs, nonce retries, a
// fresh token on 401, refresh ahead of expiry, step-up on `insufficient_scope`), all underneath
// the MCP SDK. It calls the protected MCP server of examples/mcp-server.
//
// Run (after `npm run build`, with examples/mcp-server running):
//   AGENTAUTH_ISSUER=https://auth.example.com AGENTAUTH_ENROLLMENT_TOKEN=$(agentauth agents enroll-token agt_...) \
//   MCP_URL=https://mcp.example.com/mcp node examples/mcp-client/client.js
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { createAgent } from '@agentauth/client';
import { mcpTransportOptions } from '@agentauth/client/mcp';
import { fileKeyStore } from '@agentauth/client/node';

/** Connects to the MCP server at `mcpUrl` as `agent`, lists its tools and calls one. */
export async function callMcpTool(agent, mcpUrl, toolName, args = {}) {
  const client = new Client({ name: 'agentauth-mcp-client', version: '1.0.0' });
  // The MCP server's URL is its resource (RFC 8707), as the MCP authorization spec asks.
  const transport = new StreamableHTTPClientTransport(new URL(mcpUrl), mcpTransportOptions(agent, { resource: mcpUrl, scope: 'orders:read' }));
  await client.connect(transport);
  try {
    const tools = await client.listTools();
    const result = await client.callTool({ name: toolName, arguments: args });
    return { tools: tools.tools.map((t) => t.name), result };
  } finally {
    await client.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const env = process.env;
  const agent = await createAgent({
    issuer: env.AGENTAUTH_ISSUER,
    keyStore: fileKeyStore(env.AGENTAUTH_IDENTITY_FILE ?? '.agentauth/mcp-agent.json'),
    enrollmentToken: env.AGENTAUTH_ENROLLMENT_TOKEN || undefined,
    dpop: true,
  });
  const { tools, result } = await callMcpTool(agent, env.MCP_URL, 'list_orders');
  console.log('tools:', tools.join(', '));
  console.log(JSON.stringify(result.content, null, 2));
}
