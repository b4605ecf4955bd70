import type { Logger } from 'pino';
import type { Clock } from '../../clock.js';
import type { AuditInput, IssuedTokenRecord } from '../../store/records.js';
import type { RevocationEvent, RevocationEvents } from '../../events/revocation-events.js';
import { LINEAGE_WALK_LIMIT } from './lineage-activity.js';
import type { TokenLineageStore } from '../../store/ports/token-lineage-store.js';

/** Most tokens one cascade revokes; beyond it, introspection still finds them inactive (lineage walk). */
export const MAX_CASCADE_TOKENS = 10_000;

export interface CascadeDeps {
  lineage: TokenLineageStore;
  events: RevocationEvents;
  clock: Clock;
  logger: Pick<Logger, 'warn' | 'error'>;
}

/**
 * Every token derived by exchange from `roots`, expired or not, breadth first, at
 * most {@link LINEAGE_WALK_LIMIT} generations down and `limit` tokens. `truncated` when the limit
 * stopped the walk.
 */
export async function descendantsOf(lineage: TokenLineageStore, roots: readonly string[], limit: number): Promise<{ tokens: IssuedTokenRecord[]; truncated: boolean }> {
  const tokens: IssuedTokenRecord[] = [];
  const seen = new Set(roots);
  let frontier = [...roots];
  for (let generation = 0; generation < LINEAGE_WALK_LIMIT && frontier.length > 0; generation++) {
    if (tokens.length >= limit) return { tokens, truncated: true };
    const children = (await lineage.listChildTokens(frontier, limit - tokens.length + 1)).filter((child) => !seen.has(child.jti));
    for (const child of children) seen.add(child.jti);
    frontier = children.map((child) => child.jti);
    tokens.push(...children);
  }
  const truncated = tokens.length > limit;
  return { tokens: tokens.slice(0, limit), truncated };
}

/**
 * Revokes `tokens` by `jti` and writes one `access_token.revoked` audit record (reason `cascade`)
 * for each newly revoked one, all in one transaction, and announces each newly revoked one on the revocation feed as
 * `token_revoked` with reason `cascade`. Introspection already treats them as inactive before this
 * runs (`checkLineage`); this makes the revocation explicit for the feed and for other nodes.
 */
export async function revokeAsCascade(deps: CascadeDeps, tokens: readonly IssuedTokenRecord[], cause: Record<string, string>): Promise<string[]> {
  if (tokens.length === 0) return [];
  const now = deps.clock.now();
  // The revocations and their records in one transaction: both, or neither.
  const records = (jtis: ReadonlySet<string>): AuditInput[] =>
    tokens
      .filter((t) => jtis.has(t.jti))
      .map((t) => ({
        time: now,
        event: 'access_token.revoked',
        outcome: 'success',
        agentId: t.clientId,
        actor: 'system',
        sourceIp: null,
        reason: 'cascade',
        requestId: null,
        details: { jti: t.jti, sub: t.agentId, parent_jti: t.parentJti, revoked: true, ...cause },
      }));
  const revoked = new Set(
    await deps.lineage.revokeTokens(
      tokens.map((t) => ({ jti: t.jti, agentId: t.agentId, revokedAt: now, expiresAt: t.expiresAt })),
      (newly) => records(new Set(newly)),
    ),
  );
  const newly = tokens.filter((t) => revoked.has(t.jti));
  if (newly.length === 0) return [];
  for (const t of newly) {
    deps.events.publish({ kind: 'token_revoked', jti: t.jti, agentId: t.agentId, at: now, reason: 'cascade' }, (error) =>
      deps.logger.error({ err: error }, 'a revocation listener failed'),
    );
  }
  return newly.map((t) => t.jti);
}

/**
 * Cascade revocation, as a listener of the revocation feed: a token revoked (RFC 7009 or admin)
 * revokes every token exchanged from it; an agent suspended, disabled or deleted revokes every
 * live token it obtained by exchange (where it is the current actor in `act`) and their
 * descendants. Tokens whose `sub` is that agent need nothing more: the feed's `agent_revoked`
 * already names them. The revocations it makes are published on `events` in turn.
 */
export function cascadeRevocation(deps: CascadeDeps): (event: RevocationEvent) => Promise<void> {
  return async (event: RevocationEvent): Promise<void> => {
    const now = deps.clock.now();
    // An expired token needs no revocation, and its descendants expired with it (exp <= parent's).
    const live = (tokens: IssuedTokenRecord[]) => tokens.filter((t) => t.expiresAt > now);
    if (event.kind === 'token_revoked' && event.reason === 'revoked') {
      const below = await descendantsOf(deps.lineage, [event.jti], MAX_CASCADE_TOKENS);
      if (below.truncated) deps.logger.warn({ jti: event.jti }, 'cascade revocation stopped at its limit; introspection still refuses the rest');
      await revokeAsCascade(deps, live(below.tokens), { cascade_from: event.jti });
    } else if (event.kind === 'agent_revoked') {
      const obtained = await deps.lineage.listTokensExchangedBy(event.agentId, now, MAX_CASCADE_TOKENS);
      const below = await descendantsOf(
        deps.lineage,
        obtained.map((t) => t.jti),
        MAX_CASCADE_TOKENS,
      );
      if (below.truncated) deps.logger.warn({ agentId: event.agentId }, 'cascade revocation stopped at its limit; introspection still refuses the rest');
      await revokeAsCascade(deps, live([...obtained, ...below.tokens]), { cascade_from_agent: event.agentId });
    }
  };
}
