import type { AgentRecord } from '../store/records.js';

/** The prefix of an owner or approver that names a group of people. */
export const GROUP_PREFIX = 'group:';

/** What the owner rules read of a person. */
export interface OwnerCandidate {
  id: string;
  /** Normalised: NFC, trimmed, lower case (docs/people.md, "People in the registry"). */
  email: string;
  groups: readonly string[];
}

/**
 * Whether the agent's owner is this person (by id or email), as approvals read it: the owner is a
 * free string, normalised before it is compared with the person's email.
 */
export function ownsAgent(person: Pick<OwnerCandidate, 'id' | 'email'>, agent: Pick<AgentRecord, 'owner'>): boolean {
  return agent.owner === person.id || agent.owner.normalize('NFC').trim().toLowerCase() === person.email;
}

/**
 * The owner values that make a person an agent's owner on the owner's pages (docs/people.md,
 * "Your agents"): their id, their email as stored, and `group:<name>` for each of their groups.
 * The store finds agents by these exact values, and {@link isOwnedBy} decides one agent by the
 * same list, so what a person can act on is exactly what they are shown.
 */
export function ownerNamesOf(person: OwnerCandidate): string[] {
  return [person.id, person.email, ...person.groups.map((group) => `${GROUP_PREFIX}${group}`)];
}

/** Whether the person owns the agent directly or through a group they are in now (exact values). */
export function isOwnedBy(person: OwnerCandidate, agent: Pick<AgentRecord, 'owner'>): boolean {
  return ownerNamesOf(person).includes(agent.owner);
}
