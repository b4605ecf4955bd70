import { AdminProblem } from '../admin/problem.js';
import { AgentParams } from '../admin/wire/agent.js';
import { pageRequest } from '../admin/wire/primitives.js';
import { AgentTokenPage, AgentTokensQuery, TokenChain, TokenParams, TokenRevocation } from '../admin/wire/token.js';
import { listAgentTokens, type AgentTokensDeps } from '../admin/agent-tokens.js';
import type { Clock } from '../clock.js';
import { buildTokenChain, type TokenChainDeps } from '../admin/token-chain.js';
import type { RevocationEvents } from '../events/revocation-events.js';
import type { TokenStore } from '../store/ports/token-store.js';
import { adminRoute, type AdminRoute } from './admin-route.js';

export interface AdminTokenRouteDeps extends TokenChainDeps {
  store: TokenChainDeps['store'] & AgentTokensDeps['store'] & Pick<TokenStore, 'revokeToken'>;
  clock: Clock;
  /** Told of the revocation (feed, cascade to exchanged tokens); absent in tests of the admin app alone. */
  events?: RevocationEvents;
}

/**
 * `GET /agents/{id}/tokens` (an agent's unexpired tokens), `GET /tokens/{jti}/chain` (the RFC 8693
 * lineage of a token: ancestors, itself, descendants) and `POST /tokens/{jti}/revoke` (revoke by
 * `jti`, as RFC 7009 does for a client, cascading to every token exchanged from it),
 * docs/admin-api.md.
 */
export function tokenRoutes(deps: AdminTokenRouteDeps): AdminRoute[] {
  return [
    adminRoute({
      method: 'GET',
      url: '/agents/:id/tokens',
      operationId: 'listAgentTokens',
      summary: "An agent's unexpired tokens (as subject or as the client that obtained them), oldest first, with scope, audience and binding.",
      schema: { params: AgentParams, querystring: AgentTokensQuery },
      success: { status: 200, schema: AgentTokenPage },
      authenticated: true,
      handler: async ({ params, query }) => {
        let page;
        try {
          page = await listAgentTokens(deps, params.id, deps.clock.now(), pageRequest(query));
        } catch (error) {
          if (error instanceof RangeError) throw new AdminProblem('validation_failed', 'the cursor is not one this API returned');
          throw error;
        }
        if (page === undefined) throw new AdminProblem('not_found', 'no agent has this id');
        return { items: page.items, ...(page.next === undefined ? {} : { next_cursor: page.next }) };
      },
    }),
    adminRoute({
      method: 'GET',
      url: '/tokens/:jti/chain',
      operationId: 'getTokenChain',
      summary: 'Show the lineage of an issued token: the tokens it was exchanged from, and those exchanged from it (RFC 8693).',
      schema: { params: TokenParams },
      success: { status: 200, schema: TokenChain },
      authenticated: true,
      handler: async ({ params }) => {
        const chain = await buildTokenChain(deps, params.jti);
        if (chain === undefined) throw new AdminProblem('not_found', 'no issued token has this jti (or it expired and was pruned)');
        return chain;
      },
    }),
    adminRoute({
      method: 'POST',
      url: '/tokens/:jti/revoke',
      operationId: 'revokeToken',
      summary: 'Revoke an issued token by jti; every token exchanged from it is revoked with it.',
      schema: { params: TokenParams },
      success: { status: 200, schema: TokenRevocation },
      authenticated: true,
      handler: async ({ params }, _reply, ctx) => {
        const { jti } = params;
        const issued = await deps.store.getIssuedToken(jti);
        if (issued === undefined) throw new AdminProblem('not_found', 'no issued token has this jti (or it expired and was pruned)');
        const now = deps.clock.now();
        // The revocation and its record in one transaction.
        const fresh = await deps.store.revokeToken({ jti, agentId: issued.agentId, revokedAt: now, expiresAt: issued.expiresAt }, (revoked) => [
          {
            time: now,
            event: 'access_token.revoked',
            outcome: 'success',
            agentId: issued.clientId,
            actor: ctx.audit.actor,
            sourceIp: ctx.audit.sourceIp,
            reason: revoked ? null : 'already revoked',
            requestId: ctx.audit.requestId,
            details: { jti, sub: issued.agentId, revoked: true },
          },
        ]);
        if (fresh) deps.events?.publish({ kind: 'token_revoked', jti, agentId: issued.agentId, at: now, reason: 'revoked' });
        return { jti, revoked: true };
      },
    }),
  ];
}
