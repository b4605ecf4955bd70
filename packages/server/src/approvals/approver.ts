import { GROUP_PREFIX, ownsAgent } from '../agents/agent-owner.js';
import type { AgentRecord } from '../store/records.js';
import type { UserRecord, UserStore } from '../store/ports/user-store.js';
/** The prefix of an approver that names one person. */
export const USER_PREFIX = 'user:';

/**
 * Who answers an approval (docs/approvals.md, "Who approves"): the person `login_hint` names (by
 * email or id; CIBA Core 1.0 §7.1), else the agent's owner. The owner is a free string: one that
 * equals a person's email or id is that person; `group:<name>` is every person in that group.
 * The agent chooses its approver only among people it answers to: a hint must name its owner, a
 * member of its owner group, or a member of one of `approverGroups` (the operators' approvers);
 * otherwise a compromised agent could name an accomplice. Returns `user:<id>` or
 * `group:<name>`; undefined when the hint or the owner names no such active person (CIBA
 * `unknown_user_id`).
 */
export async function resolveApprover(
  store: Pick<UserStore, 'getUser' | 'getUserByEmail'>,
  agent: Pick<AgentRecord, 'owner'>,
  loginHint: string | undefined,
  approverGroups: readonly string[] = [],
): Promise<string | undefined> {
  if (loginHint === undefined && agent.owner.startsWith(GROUP_PREFIX)) {
    const group = agent.owner.slice(GROUP_PREFIX.length);
    return group === '' ? undefined : `${GROUP_PREFIX}${group}`;
  }
  const person = await findPerson(store, loginHint ?? agent.owner);
  if (person === undefined) return undefined;
  if (loginHint !== undefined && !mayBeNamed(person, agent, approverGroups)) return undefined;
  return `${USER_PREFIX}${person.id}`;
}

/** Whether an agent may name this person with `login_hint`: its owner, in its owner group, or in an approver group. */
function mayBeNamed(person: UserRecord, agent: Pick<AgentRecord, 'owner'>, approverGroups: readonly string[]): boolean {
  if (ownsAgent(person, agent)) return true;
  const ownerGroup = agent.owner.startsWith(GROUP_PREFIX) ? agent.owner.slice(GROUP_PREFIX.length) : undefined;
  return person.groups.some((group) => group === ownerGroup || approverGroups.includes(group));
}

/** The active person a string names by id or (normalised) email. */
export async function findPerson(store: Pick<UserStore, 'getUser' | 'getUserByEmail'>, name: string): Promise<UserRecord | undefined> {
  if (name.length === 0 || name.length > 320) return undefined;
  const person = (await store.getUser(name)) ?? (await store.getUserByEmail(name.normalize('NFC').trim().toLowerCase()));
  return person?.status === 'active' ? person : undefined;
}

/** The approvers a person answers for: themself and each of their groups. */
export function approversOf(person: Pick<UserRecord, 'id' | 'groups'>): string[] {
  return [`${USER_PREFIX}${person.id}`, ...person.groups.map((g) => `${GROUP_PREFIX}${g}`)];
}
