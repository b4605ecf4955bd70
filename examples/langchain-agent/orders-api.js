// The API the LangChain agent calls: a plain node:http service protected by
// @agentauth/resource-server. `GET /orders` needs `orders:read`, `POST /orders/{id}/cancel` needs
// `orders:write`; a token without the scope is refused with RFC 6750 403 `insufficient_scope`.
// How to run it, and every command before it: README.md beside this file.
import { createServer } from 'node:http';
import { createResourceServer, requireScopes } from '@agentauth/resource-server';
import { nodeAgentAuth } from '@agentauth/resource-server/node';

/** The open orders, the same for every caller: the example is about who may read them. */
export const ORDERS = [{ id: 'o-1', item: 'widget', quantity: 3 }];

/**
 * Starts the orders API on `port`; `resource` is its origin (the tokens' audience). Returns
 * `close()` and `calls`, who called what: the agent, how its token was bound (`dpop`, `bearer`,
 * `mtls`), the DPoP key thumbprint it is bound to, and the outcome.
 */
export async function startOrdersApi({ issuer, resource, port, host = '127.0.0.1', revocation }) {
  const rs = createResourceServer({ issuer, resource, revocation, metadata: { scopes_supported: ['orders:read', 'orders:write'], resource_name: 'Orders API' } });
  const read = nodeAgentAuth(rs, { checks: [requireScopes('orders:read')] });
  const write = nodeAgentAuth(rs, { checks: [requireScopes('orders:write')] });
  const calls = [];
  const http = createServer(async (req, res) => {
    const path = new URL(req.url ?? '/', resource).pathname;
    const cancel = /^\/orders\/([^/]+)\/cancel$/.exec(path);
    const guard = req.method === 'POST' && cancel ? write : req.method === 'GET' && path === '/orders' ? read : undefined;
    if (guard === undefined) {
      res.writeHead(404).end();
      return;
    }
    // Answers every refusal itself (401, 403 insufficient_scope, 503).
    const principal = await guard(req, res);
    calls.push({ method: req.method, path, status: res.statusCode, agentId: principal?.agentId, binding: principal?.binding, jkt: principal?.claims.cnf?.jkt });
    if (principal === undefined) return;
    const body = cancel ? { id: cancel[1], status: 'cancelled' } : ORDERS;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  await new Promise((resolve) => http.listen(port, host, resolve));
  return { calls, close: () => new Promise((resolve) => http.close(() => resolve(undefined))) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { AGENTAUTH_ISSUER: issuer, ORDERS_API: api } = process.env;
  if (!issuer || !api) {
    console.error('set AGENTAUTH_ISSUER and ORDERS_API');
    process.exit(2);
  }
  const url = new URL(api);
  // A demo: revocation reaches this API only when the token expires. A real service follows the
  // Shared Signals feed (createSignalsFeed; see examples/mcp-server).
  await startOrdersApi({ issuer, resource: url.origin, port: Number(url.port || 80), revocation: 'off' });
  console.log(`orders API on ${url.origin}/orders (revocation: off)`);
}
