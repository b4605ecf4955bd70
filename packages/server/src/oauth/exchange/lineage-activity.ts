import type { AccessTokenClaims, ActorClaim } from '@agentauth/protocol';
import { standingFault } from '../../agents/agent-standing.js';
import type { AgentStanding } from '../../store/records.js';
import type { AgentStore } from '../../store/ports/agent-store.js';
import type { TokenState, TokenStore } from '../../store/ports/token-store.js';
import type { DelegationStore } from '../../store/ports/delegation-store.js';
import { isPersonId } from '../../store/ports/user-store.js';
import { grantOfLineage } from '../authorization/grant-hash.js';
import { personTokenFault, type DelegationHop, type PersonChainRoot } from './person-standing.js';

/**
 * How many generations up a lineage walk goes at most: the largest `maxDelegationDepth` the config
 * schema accepts (10), plus one. Exchanges never build a longer lineage, whatever the setting was
 * when they happened, so the walk never stops short of a real ancestor; a longer one is refused.
 */
export const LINEAGE_WALK_LIMIT = 11;

/**
 * What {@link checkLineage} reads: always the store itself, never a cache. Without
 * `getPersonTokenStanding`, a token whose `sub` is a person is never active.
 */
export type LineageReader = Pick<TokenStore, 'getTokenState'> & Pick<AgentStore, 'getAgentStanding'> & Partial<Pick<DelegationStore, 'getPersonTokenStanding'>>;

export type LineageVerdict =
  /**
   * `generation`: how many exchanges separate the token from its root (0 for a root token);
   * `person`: for a person's token, the authorization at the root of its chain.
   */
  | { active: true; generation: number; person?: PersonChainRoot }
  | { active: false; reason: string };

/**
 * RFC 8693 lineage check: a token derived by exchange is inactive as soon as any
 * ancestor is revoked by `jti`, or any agent anywhere in its chain — the subject, every actor named
 * in `act`, the client that obtained each ancestor — no longer stands behind it (`standingFault`:
 * gone, not active, or revoked every token issued before that ancestor was). Walks `issued_tokens.parent_jti` up at most
 * {@link LINEAGE_WALK_LIMIT} generations. An ancestor record that is missing ends the walk: records
 * are pruned only after expiry, and an exchanged token never outlives its subject token.
 *
 * A token whose `sub` is a person (docs/people.md, "Agents acting for you") has a lineage that
 * starts at an authorization (`grant:<id>`) and the public client it was given to, which are not
 * agents: the person, the authorization and each agent's delegation from the person are checked
 * instead (`personTokenFault`), and each agent that exchanged a token of the chain as above.
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
  const person = isPersonId(claims.sub);
  /** The agents that exchanged a token of a person's chain, each of which must still act for the person. */
  const hops: DelegationHop[] = [];
  const own = self ?? (await store.getTokenState(claims.jti));
  // A person's own token was obtained by the public client they authorized, not by an agent.
  if (claims.client_id !== claims.sub && !(person && grantOfLineage(own.issued?.parentJti) !== undefined)) {
    const problem = await agentProblem(claims.client_id, iatMs);
    if (problem !== undefined) return { active: false, reason: problem };
    if (person) hops.push({ agentId: claims.client_id, issuedAtMs: iatMs });
  }
  for (const actor of actorsOf(claims.act)) {
    // Actors from another issuer (a federated chain) are not agents of ours.
    if (actor.iss !== undefined && actor.iss !== issuer) continue;
    const problem = await agentProblem(actor.sub, iatMs);
    if (problem !== undefined) return { active: false, reason: problem };
  }

  known(own);
  let parent = own.issued?.parentJti ?? null;
  let generation = 0;
  let grantId: string | null = null;
  while (parent !== null) {
    const grant = grantOfLineage(parent);
    if (grant !== undefined) {
      grantId = grant;
      break;
    }
    if (++generation > LINEAGE_WALK_LIMIT) return { active: false, reason: 'lineage too long' };
    const state = await store.getTokenState(parent);
    const { issued: ancestor, revoked } = state;
    if (revoked) return { active: false, reason: 'ancestor token revoked' };
    known(state);
    if (ancestor === undefined) break;
    // A person's root token names its public client twice; the authorization stands for it.
    const personRoot = person && grantOfLineage(ancestor.parentJti) !== undefined;
    for (const id of new Set([ancestor.agentId, ancestor.clientId])) {
      if (personRoot || (person && id === claims.sub)) continue;
      const problem = await agentProblem(id, ancestor.issuedAt);
      if (problem !== undefined) return { active: false, reason: problem };
      if (person && id === ancestor.clientId) hops.push({ agentId: id, issuedAtMs: ancestor.issuedAt });
    }
    parent = ancestor.parentJti;
  }
  if (!person) return { active: true, generation };
  if (store.getPersonTokenStanding === undefined) return { active: false, reason: 'a person\'s token, and people are not known here' };
  const verdict = personTokenFault(claims.sub, await store.getPersonTokenStanding(claims.sub, grantId, hops.map((h) => h.agentId)), hops);
  return 'fault' in verdict ? { active: false, reason: verdict.fault } : { active: true, generation, person: verdict.root };
}

/** The actors of an RFC 8693 §4.1 `act` claim, most recent first; bounded against hostile nesting. */
export function actorsOf(act: ActorClaim | undefined): ActorClaim[] {
  const out: ActorClaim[] = [];
  for (let level = act; level !== undefined && out.length <= LINEAGE_WALK_LIMIT; level = level.act) out.push(level);
  return out;
}
