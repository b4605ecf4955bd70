// Type-level checks, compiled by `npm run typecheck` (tsconfig.json includes packages/*/test);
// never run. Each `@ts-expect-error` fails the typecheck if the line it guards compiles.
import Fastify from 'fastify';
import type { Principal, ResourceServer } from '../../src/index.js';
import { fastifyAgentAuth, fastifyAuthenticatedRoute, type AuthenticatedRequest } from '../../src/adapters/fastify.js';

declare const rs: ResourceServer;
const app = Fastify();

// A route that requires authentication sees a non-null principal, with no `!` and no check.
app.get(
  '/orders',
  fastifyAuthenticatedRoute(rs, async (request) => {
    const principal: Principal = request.agentauth;
    return principal.agentId;
  }),
);

// The route's own generics reach the handler (here the querystring), next to the principal.
app.get<{ Querystring: { page: string } }>(
  '/orders/paged',
  fastifyAuthenticatedRoute<{ Querystring: { page: string } }>(rs, async (request) => `${request.agentauth.agentId} ${request.query.page}`),
);

// Route options of your own go beside it.
app.get('/orders/limited', { ...fastifyAuthenticatedRoute(rs, async (request) => request.agentauth.scopes), bodyLimit: 1024 });

// On a route guarded by the bare preHandler the decoration stays nullable: the type cannot know.
app.get('/plain', { preHandler: fastifyAgentAuth(rs) }, async (request) => {
  // @ts-expect-error the principal may be null here
  const principal: Principal = request.agentauth;
  return principal;
});

// The request type is exported for handlers written apart from the route.
export function handler(request: AuthenticatedRequest): string {
  return request.agentauth.agentId;
}
