import type { AgentRecord } from '../store/records.js';
import type { UserRecord, UserStore } from '../store/ports/user-store.js';

/** The prefix of an owner or approver that names a group of people. */
export const GROUP_PREFIX = 'group:';
/** The prefix of an approver that names one person. */
export const USER_PREFIX = 'user:';

/**
 * Who answers an approval (docs/approvals.md, "Who approves"): the person `login_hint` names (by
 * email or id; CIBA Core 1.0 §7.1), else the agent's owner. The owner is a free string: one that
 * equals a person's email or id is that person; `group:<name>` is every person in that group.
 * Returns `user:<id>` or `group:<name>`; undefined when the hint or the owner names no active
 * person (CIBA `unknown_user_id`).
 */
export async function resolveApprover(store: Pick<UserStore, 'getUser' | 'getUserByEmail'>, agent: Pick<AgentRecord, 'owner'>, loginHint: string | undefined): Promise<string | undefined> {
  if (loginHint === undefined && agent.owner.startsWith(GROUP_PREFIX)) {
    const group = agent.owner.slice(GROUP_PREFIX.length);
    return group === '' ? undefined : `${GROUP_PREFIX}${group}`;
  }
  const person = await findPerson(store, loginHint ?? agent.owner);
  return person === undefined ? undefined : `${USER_PREFIX}${person.id}`;
}

/** The active person a string names by id or (normalised) email. */
export async function findPerson(store: Pick<UserStore, 'getUser' | 'getUserByEmail'>, name: string): Promise<UserRecord | undefined> {
  if (name.length === 0 || name.length > 320) return undefined;
  const person = (await store.getUser(name)) ?? (await store.getUserByEmail(name.normalize('NFC').trim().toLowerCase()));
  return person?.status === 'active' ? person : undefined;
}

/** Whether the agent's owner is this person (by id or email). */
export function ownsAgent(person: Pick<UserRecord, 'id' | 'email'>, agent: Pick<AgentRecord, 'owner'>): boolean {
  return agent.owner === person.id || agent.owner.normalize('NFC').trim().toLowerCase() === person.email;
}

/** The approvers a person answers for: themself and each of their groups. */
export function approversOf(person: Pick<UserRecord, 'id' | 'groups'>): string[] {
  return [`${USER_PREFIX}${person.id}`, ...person.groups.map((g) => `${GROUP_PREFIX}${g}`)];
}
