// Type-checked with the installed declarations under each module resolution a consumer may use
// (tsconfig.node16.json, tsconfig.bundler.json, tsconfig.node10.json), with skipLibCheck off.
import { createAgent, memoryKeyStore, OAuthClientError, type Agent } from '@agentauth/client';
import { agentTool } from '@agentauth/client/langchain';
import { mcpTransportOptions, type McpFetch } from '@agentauth/client/mcp';
import { fileKeyStore } from '@agentauth/client/node';
import { SIGNING_ALGS, type SigningAlg } from '@agentauth/protocol';
import { createResourceServer, requireScopes, VerificationError } from '@agentauth/resource-server';
import { honoAgentAuth, type AgentAuthVariables } from '@agentauth/resource-server/hono';
import { nodeAgentAuth } from '@agentauth/resource-server/node';
import { Hono } from 'hono';
import { z } from 'zod';

const rs = createResourceServer({ issuer: 'https://auth.example.com', resource: 'https://orders.example.com', revocation: 'off' });

// The adapter's middleware must fit the application's own Hono: the peer dependency gives both
// one copy of hono's types.
export const app = new Hono<{ Variables: AgentAuthVariables }>()
  .use('/orders/*', honoAgentAuth(rs, { checks: [requireScopes('orders:read')] }))
  .get('/orders', (c) => c.json({ agent: c.get('agentauth').agentId }));

export const guard = nodeAgentAuth(rs);
export const algorithm: SigningAlg = SIGNING_ALGS[0];

export function start(identityFile?: string): Promise<Agent> {
  const keyStore = identityFile === undefined ? memoryKeyStore() : fileKeyStore(identityFile);
  return createAgent({ issuer: 'https://auth.example.com', keyStore });
}

export function isRefusal(error: unknown): boolean {
  return error instanceof VerificationError || error instanceof OAuthClientError;
}

// The MCP entry's types need no MCP SDK; the LangChain entry's infer a tool's input from its schema.
export const mcpOptions = (agent: Agent): { fetch: McpFetch } => mcpTransportOptions(agent, { resource: 'https://mcp.example.com/mcp', scope: 'orders:read' });
export const listOrders = (agent: Agent) =>
  agentTool(agent, {
    name: 'list_orders',
    description: 'List the open orders',
    schema: z.object({ limit: z.number().int().optional() }),
    scope: 'orders:read',
    call: ({ limit }, fetch) => fetch(`https://orders.example.com/orders?limit=${limit ?? 10}`),
  });
