import type { AccessTokenClaims, ActorClaim } from '@agentauth/protocol';
import { standingFault } from '../../agents/agent-standing.js';
import type { AgentStanding } from '../../store/records.js';
import type { AgentStore } from '../../store/ports/agent-store.js';
import type { TokenState, TokenStore } from '../../store/ports/token-store.js';

/**
 * How many generations up a lineage walk goes at most: the largest `maxDelegationDepth` the config
 * schema accepts (10), plus one. Exchanges never build a longer lineage, whatever the setting was
 * when they happened, so the walk never stops short of a real ancestor; a longer one is refused.
 */
export const LINEAGE_WALK_LIMIT = 11;

/** What {@link checkLineage} reads: always the store itself, never a cache. */
export type LineageReader = Pick<TokenStore, 'getTokenState'> & Pick<AgentStore, 'getAgentStanding'>;

export type LineageVerdict =
  /** `generation`: how many exchanges separate the token from its root (0 for a root token). */
  | { active: true; generation: number }
  | { active: false; reason: string };

/**
 * RFC 8693 lineage check: a token derived by exchange is inactive as soon as any
 * ancestor is revoked by `jti`, or any agent anywhere in its chain — the subject, every actor named
 * in `act`, the client that obtained each ancestor — no longer stands behind it (`standingFault`:
 * gone, not active, or revoked every token issued before that ancestor was). Walks `issued_tokens.parent_jti` up at most
 * {@link LINEAGE_WALK_LIMIT} generations. An ancestor record that is missing ends the walk: records
 * are pruned only after expiry, and an exchanged token never outlives its subject token.
 *
 * Does NOT check the token's own `jti` revocation nor its `sub` agent: `isTokenActive` does.
 * `self` is the token's own state when the caller already read it (undefined: read here).
 */
export async function checkLineage(
  store: LineageReader,
  claims: AccessTokenClaims,
  issuer: string | undefined = undefined,
  self: TokenState | undefined = undefined,
): Promise<LineageVerdict> {
  const agents = new Map<string, Promise<AgentStanding | undefined>>();
  // An agent read with a token's record (same query, same moment) need not be read again.
  const known = (state: TokenState) => {
    if (state.issued !== undefined && !agents.has(state.issued.agentId)) agents.set(state.issued.agentId, Promise.resolve(state.agent));
  };
  const agentProblem = async (id: string, issuedAtMs: number): Promise<string | undefined> => {
    let pending = agents.get(id);
    if (pending === undefined) {
      pending = store.getAgentStanding(id);
      agents.set(id, pending);
    }
    const fault = standingFault(await pending, issuedAtMs);
    return fault === undefined ? undefined : `agent ${id.slice(0, 64)} in the chain ${fault}`;
  };

  const iatMs = claims.iat * 1000;
  if (claims.client_id !== claims.sub) {
    const problem = await agentProblem(claims.client_id, iatMs);
    if (problem !== undefined) return { active: false, reason: problem };
  }
  for (const actor of actorsOf(claims.act)) {
    // Actors from another issuer (a federated chain) are not agents of ours.
    if (actor.iss !== undefined && actor.iss !== issuer) continue;
    const problem = await agentProblem(actor.sub, iatMs);
    if (problem !== undefined) return { active: false, reason: problem };
  }

  const own = self ?? (await store.getTokenState(claims.jti));
  known(own);
  let parent = own.issued?.parentJti ?? null;
  let generation = 0;
  while (parent !== null) {
    if (++generation > LINEAGE_WALK_LIMIT) return { active: false, reason: 'lineage too long' };
    const state = await store.getTokenState(parent);
    const { issued: ancestor, revoked } = state;
    if (revoked) return { active: false, reason: 'ancestor token revoked' };
    known(state);
    if (ancestor === undefined) break;
    for (const id of new Set([ancestor.agentId, ancestor.clientId])) {
      const problem = await agentProblem(id, ancestor.issuedAt);
      if (problem !== undefined) return { active: false, reason: problem };
    }
    parent = ancestor.parentJti;
  }
  return { active: true, generation };
}

/** The actors of an RFC 8693 §4.1 `act` claim, most recent first; bounded against hostile nesting. */
export function actorsOf(act: ActorClaim | undefined): ActorClaim[] {
  const out: ActorClaim[] = [];
  for (let level = act; level !== undefined && out.length <= LINEAGE_WALK_LIMIT; level = level.act) out.push(level);
  return out;
}
