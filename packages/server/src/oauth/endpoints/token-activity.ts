import type { AccessTokenClaims } from '@agentauth/protocol';
import { standingFault } from '../../agents/agent-standing.js';
import type { AgentStore } from '../../store/ports/agent-store.js';
import type { TokenState, TokenStore } from '../../store/ports/token-store.js';
import { checkLineage } from '../exchange/lineage-activity.js';

/**
 * Whether a validly signed, unexpired token of ours is still active: not revoked by `jti`
 * (RFC 7009), and its agent still stands behind it (`standingFault`: it exists, is active, and did
 * not revoke everything issued before the token); for a token
 * derived by RFC 8693 exchange, the same holds of every ancestor and every agent in its chain
 * (`checkLineage`). `generation` counts the exchanges between the token and its root.
 * `state` is the token's own record, revocation and agent standing when the caller already read them
 * (`checkOwnAccessToken`); otherwise they are read here, in one query.
 * Reads the store directly, never a cache: introspection must see a suspension at once.
 */
export async function isTokenActive(
  store: Pick<TokenStore, 'getTokenState'> & Pick<AgentStore, 'getAgentStanding'>,
  claims: AccessTokenClaims,
  state?: TokenState,
): Promise<{ active: true; generation: number } | { active: false; reason: string }> {
  const own = state ?? (await store.getTokenState(claims.jti));
  if (own.revoked) return { active: false, reason: 'token revoked' };
  // The record's agent came with it; a token whose `sub` is another agent reads that one.
  const agent = own.issued !== undefined && own.issued.agentId === claims.sub ? own.agent : await store.getAgentStanding(claims.sub);
  const fault = standingFault(agent, claims.iat * 1000);
  if (fault !== undefined) return { active: false, reason: `agent ${claims.sub.slice(0, 64)} ${fault}` };
  return checkLineage(store, claims, claims.iss, own);
}
