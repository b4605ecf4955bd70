import { AdminProblem } from '../admin/problem.js';
import { listAgentTokens, type AgentTokensDeps } from '../agents/agent-tokens.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../clock.js';
import { buildTokenChain, type TokenChainDeps } from '../oauth/exchange/token-chain.js';
import type { RevocationEvents } from '../signals/revocation-events.js';
import type { TokenStore } from '../store/ports/token-store.js';
import type { AdminRoute } from './admin-route.js';
import { agentParams, agentTokensQuery } from './admin-schemas.js';

/** Our `jti`s are base64url; anything else cannot name a token of ours. */
const tokenParams = {
  type: 'object',
  required: ['jti'],
  properties: { jti: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,128}$' } },
  additionalProperties: false,
} as const;

export interface AdminTokenRouteDeps extends TokenChainDeps {
  store: TokenChainDeps['store'] & AgentTokensDeps['store'] & Pick<TokenStore, 'revokeToken'>;
  clock: Clock;
  audit: AuditLog;
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
  const jtiOf = (params: unknown) => (params as { jti: string }).jti;
  return [
    {
      method: 'GET',
      url: '/agents/:id/tokens',
      operationId: 'listAgentTokens',
      summary: "An agent's unexpired tokens (as subject or as the client that obtained them), oldest first, with scope, audience and binding.",
      schema: { params: agentParams, querystring: agentTokensQuery },
      success: { status: 200, schema: 'AgentTokenPage' },
      authenticated: true,
      handler: async (request) => {
        const { id } = request.params as { id: string };
        const query = request.query as { limit: number; cursor?: string };
        let page;
        try {
          page = await listAgentTokens(deps, id, deps.clock.now(), query.cursor === undefined ? { limit: query.limit } : { limit: query.limit, after: query.cursor });
        } catch (error) {
          if (error instanceof RangeError) throw new AdminProblem('validation_failed', 'the cursor is not one this API returned');
          throw error;
        }
        if (page === undefined) throw new AdminProblem('not_found', 'no agent has this id');
        return { items: page.items, ...(page.next === undefined ? {} : { next_cursor: page.next }) };
      },
    },
    {
      method: 'GET',
      url: '/tokens/:jti/chain',
      operationId: 'getTokenChain',
      summary: 'Show the lineage of an issued token: the tokens it was exchanged from, and those exchanged from it (RFC 8693).',
      schema: { params: tokenParams },
      success: { status: 200, schema: 'TokenChain' },
      authenticated: true,
      handler: async (request) => {
        const chain = await buildTokenChain(deps, jtiOf(request.params));
        if (chain === undefined) throw new AdminProblem('not_found', 'no issued token has this jti (or it expired and was pruned)');
        return chain;
      },
    },
    {
      method: 'POST',
      url: '/tokens/:jti/revoke',
      operationId: 'revokeToken',
      summary: 'Revoke an issued token by jti; every token exchanged from it is revoked with it.',
      schema: { params: tokenParams },
      success: { status: 200, schema: 'TokenRevocation' },
      authenticated: true,
      handler: async (request, _reply, ctx) => {
        const jti = jtiOf(request.params);
        const issued = await deps.store.getIssuedToken(jti);
        if (issued === undefined) throw new AdminProblem('not_found', 'no issued token has this jti (or it expired and was pruned)');
        const now = deps.clock.now();
        const fresh = await deps.store.revokeToken({ jti, agentId: issued.agentId, revokedAt: now, expiresAt: issued.expiresAt });
        await deps.audit.record({
          time: now,
          event: 'access_token.revoked',
          outcome: 'success',
          agentId: issued.clientId,
          actor: ctx.audit.actor,
          sourceIp: ctx.audit.sourceIp,
          reason: fresh ? null : 'already revoked',
          requestId: ctx.audit.requestId,
          details: { jti, sub: issued.agentId, revoked: true },
        });
        if (fresh) deps.events?.publish({ kind: 'token_revoked', jti, agentId: issued.agentId, at: now, reason: 'revoked' });
        return { jti, revoked: true };
      },
    },
  ];
}
