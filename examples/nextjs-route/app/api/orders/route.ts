// app/api/orders/route.ts: a Next.js App Router route handler protected by agentauth, on the Web
// Crypto core of @agentauth/resource-server (no `node:` module), so it runs in the Node.js and in
// the Edge runtime alike. docs/resource-server.md ("Next.js route handlers") explains it; the test
// packages/client/test/nextjs-route-e2e.test.ts runs this very file.
import { createResourceServer, createSignalsFeed, requireScopes, type RevocationSource } from '@agentauth/resource-server';
import { withAgentAuth } from '@agentauth/resource-server/fetch';

const ORDERS = [{ id: 'o-1', item: 'widget', quantity: 3 }];

let handler: Promise<(request: Request) => Promise<Response>> | undefined;

/**
 * Builds the check on the first request rather than at import: `next build` imports route
 * modules without the runtime's environment. One per process (per isolate on Edge).
 */
function protect(): Promise<(request: Request) => Promise<Response>> {
  handler ??= (async () => {
    const issuer = required('AGENTAUTH_ISSUER');
    const resource = required('ORDERS_RESOURCE'); // this route's public URL: the tokens' audience
    const rs = createResourceServer({ issuer, resource, revocation: await revocation(issuer) });
    return withAgentAuth(rs, (_request, principal) => Response.json({ agent: principal.agentId, orders: ORDERS }), {
      checks: [requireScopes('orders:read')],
    });
  })().catch((error: unknown) => {
    handler = undefined; // the next request tries again
    throw error;
  });
  return handler;
}

/**
 * A long-lived server process (`next start`, Node.js runtime) follows the Shared Signals feed, so
 * a revoked token or a suspended agent is refused within about a second. Without feed
 * credentials (Edge, serverless: no process lives long enough to poll) revocation waits for the
 * token to expire, at most its lifetime (5 minutes by default): an explicit, greppable 'off'.
 */
async function revocation(issuer: string): Promise<RevocationSource | 'off'> {
  const clientId = process.env['AGENTAUTH_SIGNALS_CLIENT_ID'];
  if (clientId === undefined) return 'off';
  const privateKey = JSON.parse(required('AGENTAUTH_SIGNALS_PRIVATE_JWK')) as { kid?: string };
  // A stable name: a restarted (or hot-reloaded) server polls its stream again instead of adding one.
  const feed = createSignalsFeed({ issuer, credentials: { clientId, privateKey, alg: 'ES256', ...(privateKey.kid === undefined ? {} : { kid: privateKey.kid }) }, streamName: 'orders-next' });
  await feed.start();
  return feed;
}

function required(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new TypeError(`set ${name}`);
  return value;
}

/** GET /api/orders: the open orders, for an agent holding `orders:read` for this route. */
export async function GET(request: Request): Promise<Response> {
  return (await protect())(request);
}
