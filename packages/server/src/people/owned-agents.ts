import { AgentError } from '../agents/agent-error.js';
import { isOwnedBy, ownerNamesOf, type OwnerCandidate } from '../agents/agent-owner.js';
import type { AgentService, AuditContext } from '../agents/agent-service.js';
import type { AuditStore } from '../store/ports/audit-store.js';
import type { AgentRecord } from '../store/records.js';

/** Most agents one owner's list shows. */
export const MAX_OWNED_AGENTS = 500;
/** One page of the registry's listing. */
const PAGE = 100;

/** The `agent.suspended` detail that says an owner, not an operator, suspended the agent. */
export const SUSPENDED_BY_OWNER = 'owner';

/** What an owner's action did: the agent as it now is, or why it was refused. */
export type OwnerActionResult = { kind: 'ok'; agent: AgentRecord } | { kind: 'not_found' } | { kind: 'refused'; reason: string };

/** What the owner's view needs: the registry's own operations, and the audit log to tell who suspended an agent. */
export interface OwnedAgentsDeps {
  agents: Pick<AgentService, 'listAgents' | 'getAgent' | 'suspend' | 'resume'>;
  audit: Pick<AuditStore, 'queryAudit'>;
}

/**
 * The agents a person owns (docs/people.md, "Your agents"): those whose `owner` is the person's id,
 * their email as stored, or `group:<name>` of a group they are in now (`agents/agent-owner.ts`). The
 * owner may list them, suspend them (every token they hold becomes inactive at once, as when an
 * operator suspends them) and resume them, through the registry's own operations, each audited
 * with the person as actor.
 *
 * An agent the person does not own is `not_found`, whether it exists or not, so no answer tells
 * ids apart. An owner may resume only an agent an owner suspended: a suspension by an operator (or
 * one the audit log cannot attribute) stands until an operator lifts it, so an owner cannot undo
 * an operator's response to an incident. Does NOT check the person's standing: the session does
 * (only an active, unlocked person has one).
 */
export class OwnedAgents {
  constructor(private readonly deps: OwnedAgentsDeps) {}

  /** The person's agents, ordered by id, at most {@link MAX_OWNED_AGENTS}. */
  async list(person: OwnerCandidate): Promise<AgentRecord[]> {
    const out: AgentRecord[] = [];
    let after: string | undefined;
    while (out.length < MAX_OWNED_AGENTS) {
      const page = await this.deps.agents.listAgents({ owners: ownerNamesOf(person) }, { limit: PAGE, ...(after === undefined ? {} : { after }) });
      out.push(...page.items.map((item) => item.agent));
      if (page.next === undefined) break;
      after = page.next;
    }
    return out.slice(0, MAX_OWNED_AGENTS);
  }

  /** The agent when the person owns it. */
  async find(person: OwnerCandidate, agentId: string): Promise<AgentRecord | undefined> {
    try {
      const { agent } = await this.deps.agents.getAgent(agentId);
      return isOwnedBy(person, agent) ? agent : undefined;
    } catch (error) {
      if (error instanceof AgentError && error.code === 'not_found') return undefined;
      throw error;
    }
  }

  /** Suspends the person's agent (`agent.suspended`, the person as actor). */
  async suspend(person: OwnerCandidate, agentId: string, ctx: AuditContext): Promise<OwnerActionResult> {
    const agent = await this.find(person, agentId);
    if (agent === undefined) return { kind: 'not_found' };
    if (agent.status === 'disabled') return { kind: 'refused', reason: 'the agent is disabled; only an administrator can change it' };
    return this.act(() => this.deps.agents.suspend(agentId, ctx, { suspended_by: SUSPENDED_BY_OWNER }));
  }

  /** Resumes the person's agent when an owner suspended it (`agent.resumed`, the person as actor). */
  async resume(person: OwnerCandidate, agentId: string, ctx: AuditContext): Promise<OwnerActionResult> {
    const agent = await this.find(person, agentId);
    if (agent === undefined) return { kind: 'not_found' };
    if (agent.status === 'active') return { kind: 'ok', agent };
    if (agent.status === 'disabled') return { kind: 'refused', reason: 'the agent is disabled; only an administrator can change it' };
    if (!(await this.suspendedByOwner(agent))) return { kind: 'refused', reason: 'an operator suspended this agent; only an operator can resume it' };
    return this.act(() => this.deps.agents.resume(agentId, ctx));
  }

  /** Whether the suspension in force was an owner's: the `agent.suspended` record written with it (at the agent's `updatedAt`). */
  private async suspendedByOwner(agent: AgentRecord): Promise<boolean> {
    const records = await this.deps.audit.queryAudit({ agentId: agent.id, event: 'agent.suspended', outcome: 'success', from: agent.updatedAt }, { limit: 10 });
    const last = records.items.at(-1);
    return last !== undefined && last.details['suspended_by'] === SUSPENDED_BY_OWNER;
  }

  private async act(change: () => Promise<{ agent: AgentRecord }>): Promise<OwnerActionResult> {
    try {
      return { kind: 'ok', agent: (await change()).agent };
    } catch (error) {
      if (error instanceof AgentError && error.code === 'not_found') return { kind: 'not_found' };
      if (error instanceof AgentError && error.code === 'conflict') return { kind: 'refused', reason: error.message };
      throw error;
    }
  }
}
