/**
 * @agentauth/client/mcp: an agent's tokens for the MCP TypeScript SDK's client transports
 * (`@modelcontextprotocol/sdk`, an optional peer dependency). Web APIs only, as the core.
 */
export { mcpFetch, mcpTransportOptions, type McpAuthOptions, type McpFetch } from './mcp-fetch.js';
