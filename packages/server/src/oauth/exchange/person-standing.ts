import type { PersonTokenStanding } from '../../store/ports/delegation-store.js';

/** One exchange in a person's chain: the agent that made it, and when its token was issued (ms). */
export interface DelegationHop {
  agentId: string;
  issuedAtMs: number;
}

/** The authorization at the root of a person's token chain, as the exchange needs it. */
export interface PersonChainRoot {
  userId: string;
  grantId: string;
  /** The public client the person authorized. */
  clientId: string;
  /** When the person gave the authorization (ms): a revoked delegation stands again for a later one. */
  grantCreatedAt: number;
}

/**
 * Whether a token whose `sub` is a person still stands (docs/people.md, "Agents acting for you"):
 * the person exists and is `active`; the authorization (RFC 6749 §4.1) at the root of its lineage
 * exists, is the same person's and is not revoked; and every agent that exchanged a token of the
 * chain still acts for the person: its delegation exists and was not revoked after that token was
 * issued (`revokedBefore`, kept when the person authorizes anew, so older tokens stay inactive).
 * Returns why not, or the chain's root.
 *
 * The one place this rule is written: introspection and token exchange both reach it through
 * `checkLineage`. Does NOT check agents' own standing: `checkLineage` does.
 */
export function personTokenFault(userId: string, standing: PersonTokenStanding, hops: readonly DelegationHop[]): { fault: string } | { root: PersonChainRoot } {
  if (standing.userStatus === undefined) return { fault: 'the person does not exist' };
  if (standing.userStatus !== 'active') return { fault: `the person is ${standing.userStatus}` };
  const { grant } = standing;
  if (grant === undefined) return { fault: 'no authorization at the root of the chain' };
  if (grant.userId !== userId) return { fault: 'the authorization is another person\'s' };
  if (grant.revokedAt !== null) return { fault: 'the authorization was revoked' };
  for (const hop of hops) {
    const delegation = standing.delegations.find((d) => d.agentId === hop.agentId);
    if (delegation === undefined) return { fault: `agent ${hop.agentId.slice(0, 64)} has no delegation from the person` };
    if (delegation.revokedAt !== null) return { fault: `the person revoked agent ${hop.agentId.slice(0, 64)}` };
    if (delegation.revokedBefore !== null && hop.issuedAtMs < delegation.revokedBefore) return { fault: `the person revoked agent ${hop.agentId.slice(0, 64)} after this token` };
  }
  return { root: { userId, grantId: grant.id, clientId: grant.clientId, grantCreatedAt: grant.createdAt } };
}
