import type { ActorClaim } from '@agentauth/protocol';
import { actorsOf } from './lineage-activity.js';
import type { ValidatedSubjectToken } from './subject-token-validator.js';

/**
 * The `act` claim of an exchanged token (RFC 8693 §4.1): "the current actor", with the subject
 * token's own `act` nested inside it, so the least recent actor is deepest. The actor is always the
 * authenticated client. When the client is already the subject token's current party (its latest
 * actor, or its subject when it has none) it is narrowing its own token, not acting for anyone new:
 * the chain stays as it is, so an agent's per-task token of its own token carries no `act`.
 */
export function nextActChain(subject: ValidatedSubjectToken, actorId: string, issuer: string): ActorClaim | undefined {
  const current = subject.act ?? (subject.issuer === issuer ? { sub: subject.subject } : undefined);
  if (current !== undefined && current.sub === actorId && (current.iss === undefined || current.iss === issuer)) return subject.act;
  return subject.act === undefined ? { sub: actorId } : { sub: actorId, act: subject.act };
}

/** How many actors an `act` claim names (its nesting depth). */
export function actDepth(act: ActorClaim | undefined): number {
  return actorsOf(act).length;
}

/** The actors' ids, most recent first, for audit records. */
export function actorIds(act: ActorClaim | undefined): string[] {
  return actorsOf(act).map((actor) => (actor.iss === undefined ? actor.sub : `${actor.iss}#${actor.sub}`).slice(0, 200));
}

/**
 * RFC 8693 §4.4: a `may_act` claim names the party allowed to become the actor. Our actors are
 * agents of this issuer: `sub` must be the client, and `iss`, when present, ours.
 */
export function mayActAllows(mayAct: ActorClaim, actorId: string, issuer: string): boolean {
  return mayAct.sub === actorId && (mayAct.iss === undefined || mayAct.iss === issuer);
}
