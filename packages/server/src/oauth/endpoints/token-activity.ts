import type { AccessTokenClaims } from '@agentauth/protocol';
import { standingFault } from '../../agents/agent-standing.js';
import type { TokenState } from '../../store/ports/token-store.js';
import { isPersonId } from '../../store/ports/user-store.js';
import { checkLineage, type LineageReader, type LineageVerdict } from '../exchange/lineage-activity.js';

/**
 * Whether a validly signed, unexpired token of ours is still active: not revoked by `jti`
 * (RFC 7009), and its agent still stands behind it (`standingFault`: it exists, is active, and did
 * not revoke everything issued before the token); for a token
 * derived by RFC 8693 exchange, the same holds of every ancestor and every agent in its chain
 * (`checkLineage`). `generation` counts the exchanges between the token and its root.
 * `state` is the token's own record, revocation and agent standing when the caller already read them
 * (`checkOwnAccessToken`); otherwise they are read here, in one query.
 * A token whose `sub` is a person stands on the person, their authorization and their agents'
 * delegations instead of an agent (`checkLineage`, `personTokenFault`).
 * Reads the store directly, never a cache: introspection must see a suspension at once.
 */
export async function isTokenActive(store: LineageReader, claims: AccessTokenClaims, state?: TokenState): Promise<LineageVerdict> {
  const own = state ?? (await store.getTokenState(claims.jti));
  if (own.revoked) return { active: false, reason: 'token revoked' };
  if (isPersonId(claims.sub)) return checkLineage(store, claims, claims.iss, own);
  // The record's agent came with it; a token whose `sub` is another agent reads that one.
  const agent = own.issued !== undefined && own.issued.agentId === claims.sub ? own.agent : await store.getAgentStanding(claims.sub);
  const fault = standingFault(agent, claims.iat * 1000);
  if (fault !== undefined) return { active: false, reason: `agent ${claims.sub.slice(0, 64)} ${fault}` };
  return checkLineage(store, claims, claims.iss, own);
}
