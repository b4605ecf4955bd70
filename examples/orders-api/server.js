// The orders API that examples/agent-script and examples/ai-sdk-agent call: `GET /orders`, for
// agents whose token carries `orders:read`, checked by @agentauth/resource-server. How to run it,
// and every command before it: README.md beside this file.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createResourceServer, createSignalsFeed, requireScopes } from '@agentauth/resource-server';
import { nodeAgentAuth } from '@agentauth/resource-server/node';

/** What the API serves: a fixed list, so the examples have something to show. */
export const ORDERS = [
  { id: 'o-1', item: 'widget', quantity: 3 },
  { id: 'o-2', item: 'gadget', quantity: 1 },
];

/**
 * Starts the orders API on `port`. `resource` is its public origin (the tokens' audience, RFC
 * 8707), `revocation` a started signals feed, or 'off' (explicitly: revoked tokens are then
 * accepted until they expire). `onRequest` hears each caller the check let through.
 */
export async function startOrdersApi({ issuer, resource, port, host = '127.0.0.1', revocation, onRequest }) {
  const rs = createResourceServer({
    issuer,
    resource,
    revocation,
    metadata: { scopes_supported: ['orders:read'], resource_name: 'Orders API' },
  });
  // The check runs before routing: it answers the RFC 9728 metadata itself and writes every
  // refusal (401, 403 insufficient_scope, 503 when the revocation feed has gone silent). A
  // DPoP-bound token needs its proof; a certificate-bound one the same client certificate, which
  // plain HTTP never has, so such a token is refused here.
  const guard = nodeAgentAuth(rs, { checks: [requireScopes('orders:read')] });

  const http = createServer(async (req, res) => {
    const principal = await guard(req, res);
    if (principal === undefined) return;
    const url = new URL(req.url ?? '/', resource);
    if (url.pathname !== '/orders') {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'not_found' }));
      return;
    }
    if (req.method !== 'GET') {
      res.writeHead(405, { allow: 'GET', 'content-type': 'application/json' }).end(JSON.stringify({ error: 'method_not_allowed' }));
      return;
    }
    onRequest?.(principal);
    const limit = Number(url.searchParams.get('limit') ?? ORDERS.length);
    const orders = Number.isInteger(limit) && limit > 0 ? ORDERS.slice(0, limit) : ORDERS;
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(orders));
  });
  await new Promise((resolve, reject) => {
    http.once('error', reject);
    http.listen(port, host, resolve);
  });
  return {
    resourceServer: rs,
    close: () => new Promise((resolve) => http.close(() => resolve(undefined))),
  };
}

/**
 * The revocation feed from this service's own agent (scope `agentauth:signals`, resource = the
 * issuer) and its key file, as `agentauth agents create --generate-key --key-out` wrote it.
 */
export function ordersApiFeed({ issuer, clientId, keyFile, onError }) {
  const privateKey = JSON.parse(readFileSync(keyFile, 'utf8'));
  // A stable stream name: a restarted API polls the stream it had instead of leaving it behind.
  return createSignalsFeed({ issuer, credentials: { clientId, privateKey, alg: privateKey.alg ?? 'ES256', kid: privateKey.kid }, streamName: 'orders-api', onError });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const env = process.env;
  const { AGENTAUTH_ISSUER: issuer, ORDERS_API_URL: apiUrl, SERVICE_CLIENT_ID: clientId, SERVICE_KEY_FILE: keyFile } = env;
  const revocationOff = env.REVOCATION === 'off';
  if (!issuer || !apiUrl || (!revocationOff && (!clientId || !keyFile))) {
    console.error('orders-api: set AGENTAUTH_ISSUER, ORDERS_API_URL, and SERVICE_CLIENT_ID with SERVICE_KEY_FILE for the revocation feed (or REVOCATION=off): see examples/orders-api/README.md');
    process.exit(2);
  }
  const resource = new URL(apiUrl).origin;
  const feed = revocationOff ? undefined : ordersApiFeed({ issuer, clientId, keyFile, onError: (error) => console.error('orders-api: signals feed:', error.message) });
  await feed?.start();
  const api = await startOrdersApi({ issuer, resource, port: Number(new URL(resource).port || 80), host: env.HOST ?? '127.0.0.1', revocation: feed ?? 'off' });
  console.log(`orders API on ${resource}/orders (revocation: ${feed ? 'signals feed' : 'off'})`);
  const stop = async () => {
    await api.close();
    await feed?.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
