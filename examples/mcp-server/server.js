// An MCP server (Model Context Protocol, streamable HTTP transport) protected by agentauth.
//
// Every request is verified by @agentauth/resource-server before the MCP SDK sees it: the access
// token (RFC 9068, or DPoP-bound, RFC 9449), its audience (this server's URL), the scope the tools
// need, and revocation through the server's Shared Signals feed. An unauthenticated client gets
// 401 with `WWW-Authenticate: Bearer resource_metadata="..."` and finds the authorization server
// in the RFC 9728 metadata, as the MCP authorization specification asks. How to run it, and every
// command before it: README.md beside this file.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { createResourceServer, createSignalsFeed, requireScopes } from '@agentauth/resource-server';
import { nodeAgentAuth } from '@agentauth/resource-server/node';

/** The tools: what an agent may do here, and who it is according to its token. */
function buildMcpServer(principal) {
  const server = new McpServer({ name: 'orders', version: '1.0.0' });
  server.registerTool('whoami', { description: 'The calling agent, as its access token says' }, async () => ({
    // `actors` (RFC 8693 §4.1 `act`, flattened) only for a token used by someone acting for its subject.
    content: [{ type: 'text', text: JSON.stringify({ agentId: principal.agentId, clientId: principal.clientId, scopes: principal.scopes, binding: principal.binding, ...(principal.actors.length > 0 ? { actors: principal.actors } : {}) }) }],
  }));
  server.registerTool('list_orders', { description: 'Open orders' }, async () => ({
    content: [{ type: 'text', text: JSON.stringify([{ id: 'o-1', item: 'widget', quantity: 3 }]) }],
  }));
  return server;
}

/**
 * Starts the MCP server on `port`. `resource` is its public URL (the token audience), and
 * `revocation` a signals feed (or 'off', explicitly).
 */
export async function startMcpServer({ issuer, resource, port, host = '127.0.0.1', revocation }) {
  const rs = createResourceServer({
    issuer,
    resource,
    revocation,
    metadata: { scopes_supported: ['orders:read'], resource_name: 'Orders MCP server' },
  });
  const guard = nodeAgentAuth(rs, { checks: [requireScopes('orders:read')] });
  const mcpPath = new URL(resource).pathname;

  const http = createServer(async (req, res) => {
    // Answers the RFC 9728 metadata itself, and writes every refusal (401/403/503).
    const principal = await guard(req, res);
    if (principal === undefined) return;
    if (new URL(req.url ?? '/', resource).pathname !== mcpPath) {
      res.writeHead(404).end();
      return;
    }
    // Stateless mode: one MCP server and transport per request, so no session outlives its token.
    const server = buildMcpServer(principal);
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    req.auth = { token: '', clientId: principal.clientId, scopes: [...principal.scopes], extra: { agentId: principal.agentId } };
    await transport.handleRequest(req, res);
  });
  await new Promise((resolve) => http.listen(port, host, resolve));
  return {
    resourceServer: rs,
    close: () => new Promise((resolve) => http.close(() => resolve(undefined))),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { AGENTAUTH_ISSUER: issuer, MCP_RESOURCE: resource, SERVICE_CLIENT_ID: clientId, SERVICE_KEY_FILE: keyFile, SERVICE_PRIVATE_JWK: jwk } = process.env;
  if (!issuer || !resource || !clientId || !(keyFile || jwk)) {
    console.error('mcp-server: set AGENTAUTH_ISSUER, MCP_RESOURCE, SERVICE_CLIENT_ID and SERVICE_KEY_FILE (or SERVICE_PRIVATE_JWK): see examples/mcp-server/README.md');
    process.exit(2);
  }
  // The key file as `agentauth agents create --generate-key --key-out` wrote it, or the JWK itself.
  const privateKey = JSON.parse(keyFile ? readFileSync(keyFile, 'utf8') : jwk);
  // A stable stream name: a restarted server polls the stream it had instead of leaving it behind.
  const feed = createSignalsFeed({ issuer, credentials: { clientId, privateKey, alg: privateKey.alg ?? 'ES256', kid: privateKey.kid }, streamName: 'mcp-server', onError: (error) => console.error('signals feed:', error.message) });
  await feed.start();
  const url = new URL(resource);
  const server = await startMcpServer({ issuer, resource, port: Number(url.port || 3000), host: process.env.HOST ?? '127.0.0.1', revocation: feed });
  console.log(`MCP server on ${resource}`);
  const stop = async () => {
    await server.close();
    await feed.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
