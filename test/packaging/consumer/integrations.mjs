// The framework entries of @agentauth/client, from the installed tarball: `/mcp` loads in a project
// without the MCP SDK (an optional peer dependency), and `/langchain` makes its tools with the
// project's own @langchain/core, so they are the classes LangChain itself checks for.
import { webcrypto } from 'node:crypto';
import { createAgent } from '@agentauth/client';
import { mcpFetch, mcpTransportOptions } from '@agentauth/client/mcp';
import { agentTool } from '@agentauth/client/langchain';
import { isStructuredTool, StructuredTool } from '@langchain/core/tools';

const { privateKey } = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
const agent = await createAgent({ issuer: 'https://auth.example.com', clientId: 'agt_packed', key: await webcrypto.subtle.exportKey('jwk', privateKey), kid: 'k1' });
const tool = agentTool(agent, {
  name: 'list_orders',
  description: 'List the open orders',
  schema: { type: 'object', properties: {} },
  scope: 'orders:read',
  call: (_input, fetch) => fetch('https://orders.example.com/orders'),
});
let mcpSdkInstalled = true;
try {
  await import('@modelcontextprotocol/sdk/client/index.js');
} catch {
  mcpSdkInstalled = false;
}
const send = mcpFetch(agent, { resource: 'https://mcp.example.com/mcp' });
const elsewhere = await send('https://elsewhere.example.com/mcp').then(() => 'sent', (error) => error.name);

console.log(JSON.stringify({
  mcpSdkInstalled,
  mcp: { fetch: typeof mcpTransportOptions(agent, { resource: 'https://mcp.example.com/mcp' }).fetch, elsewhere },
  langchain: { name: tool.name, structuredTool: tool instanceof StructuredTool && isStructuredTool(tool) },
}));
