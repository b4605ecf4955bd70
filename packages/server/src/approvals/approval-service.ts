import type { Clock } from '../clock.js';
import type { ApprovalRecord, ApprovalStore } from '../store/ports/approval-store.js';
import type { UserRecord } from '../store/ports/user-store.js';
import type { AgentRecord, AuditInput } from '../store/records.js';
import { ownsAgent } from '../agents/agent-owner.js';
import { approversOf } from './approver.js';

/** Most pending approvals a page lists. */
const LIST_LIMIT = 100;
/** Most past approvals the console's history lists. */
const HISTORY_LIMIT = 50;
/** Longest reason a person may give for an answer. */
export const MAX_DENIAL_REASON = 200;

/** Why a person's answer was refused: each is audited as `approval.refused`. */
export type AnswerRefusal = 'not_found' | 'role' | 'separation_of_duties' | 'answered' | 'expired' | 'reason';

/** What answering did. */
export type AnswerResult = { ok: true; approval: ApprovalRecord } | { ok: false; refusal: AnswerRefusal };

/** Who asked, for the audit record. */
export interface AnswerContext {
  sourceIp: string | null;
  requestId: string | null;
}

/** A pending approval with its agent, for the page. */
export interface PendingApproval {
  approval: ApprovalRecord;
  agent: Pick<AgentRecord, 'id' | 'name' | 'owner'> | undefined;
}

export interface ApprovalServiceDeps {
  clock: Clock;
  store: Pick<ApprovalStore, 'listPendingApprovals' | 'listPastApprovals' | 'getApproval' | 'decideApproval' | 'expireApproval'>;
  agents: { getAgent(id: string): Promise<AgentRecord | undefined> };
  separationOfDuties: boolean;
  /** Told of every answer once it is stored: CIBA ping, the webhook. */
  onAnswered?: (approval: ApprovalRecord, agent: AgentRecord | undefined) => void;
  /** Told of each request an answer found expired and marked so (the webhook). */
  onExpired?: (approval: ApprovalRecord) => void;
}

/**
 * The approver's side of approvals (docs/approvals.md): what a signed-in person may answer, and
 * the answer. A person may answer an approval addressed to them or to one of their groups, when
 * they hold a role other than `auditor` alone (auditors read, never act), and, under separation of
 * duties, not for an agent they own. The answer is one conditional write (pending and unexpired
 * → approved | denied) with its record; an answer to an expired request marks it expired instead
 * (fail closed), and a replayed answer changes nothing. Every refusal is audited with the
 * person's identity.
 */
export class ApprovalService {
  constructor(private readonly deps: ApprovalServiceDeps) {}

  /** The pending, unexpired approvals this person may answer, oldest first. */
  async pendingFor(person: UserRecord): Promise<PendingApproval[]> {
    const approvals = await this.deps.store.listPendingApprovals(approversOf(person), this.deps.clock.now(), LIST_LIMIT);
    return this.withAgents(approvals);
  }

  private async withAgents(approvals: ApprovalRecord[]): Promise<PendingApproval[]> {
    const agents = new Map<string, AgentRecord | undefined>();
    for (const a of approvals) if (!agents.has(a.agentId)) agents.set(a.agentId, await this.deps.agents.getAgent(a.agentId));
    return approvals.map((approval) => ({ approval, agent: agents.get(approval.agentId) }));
  }

  /**
   * The approvals addressed to this person (or their groups) that no longer wait: answered (by
   * them or a member of the same group), spent, or expired; newest first.
   */
  async pastFor(person: UserRecord): Promise<PendingApproval[]> {
    const approvals = await this.deps.store.listPastApprovals(approversOf(person), this.deps.clock.now(), HISTORY_LIMIT);
    return this.withAgents(approvals);
  }

  /**
   * Approves or denies (`reason`, optional, at most {@link MAX_DENIAL_REASON} characters: kept with
   * the answer and its audit record; a denial's reason is also told to the agent).
   */
  async answer(person: UserRecord, id: string, answer: 'approve' | 'deny', reason: string | undefined, ctx: AnswerContext, audit: { record(input: AuditInput): Promise<void> }): Promise<AnswerResult> {
    const now = this.deps.clock.now();
    const base = { time: now, actor: `user:${person.id}`, sourceIp: ctx.sourceIp, requestId: ctx.requestId };
    const refuse = async (refusal: AnswerRefusal, agentId: string | null, detail: string): Promise<AnswerResult> => {
      await audit.record({ ...base, event: 'approval.refused', outcome: 'failure', agentId, reason: `${refusal}: ${detail}`, details: { step: 'answer', approval_id: id.slice(0, 64), answer } });
      return { ok: false, refusal };
    };
    const approval = id.length > 64 ? undefined : await this.deps.store.getApproval(id);
    if (approval === undefined || !approversOf(person).includes(approval.approver)) return refuse('not_found', approval?.agentId ?? null, 'no such approval for this person');
    if (person.roles.length > 0 && person.roles.every((r) => r === 'auditor')) return refuse('role', approval.agentId, 'auditors may not answer approvals');
    const agent = await this.deps.agents.getAgent(approval.agentId);
    if (this.deps.separationOfDuties && agent !== undefined && ownsAgent(person, agent)) return refuse('separation_of_duties', approval.agentId, 'the agent\'s owner may not approve its requests');
    if (approval.status === 'expired') return refuse('expired', approval.agentId, 'answered after the request expired');
    if (approval.status !== 'pending') return refuse('answered', approval.agentId, `approval is ${approval.status}`);
    if (approval.expiresAt <= now) {
      const expired = await this.deps.store.expireApproval(approval.id, now, [
        { ...base, actor: 'system', event: 'approval.expired', outcome: 'failure', agentId: approval.agentId, reason: 'nobody answered before the request expired', details: { approval_id: approval.id, approver: approval.approver } },
      ]);
      if (expired) this.deps.onExpired?.({ ...approval, status: 'expired' });
      return refuse('expired', approval.agentId, 'answered after the request expired');
    }
    const text = reason?.trim() ?? '';
    if (text.length > MAX_DENIAL_REASON || /[\p{Cc}\p{Cf}]/u.test(text)) return refuse('reason', approval.agentId, 'reason too long or with control characters');
    const status = answer === 'approve' ? ('approved' as const) : ('denied' as const);
    const decision = { status, decidedBy: person.id, reason: text !== '' ? text : null, at: now };
    const record: AuditInput = {
      ...base,
      event: status === 'approved' ? 'approval.approved' : 'approval.denied',
      outcome: 'success',
      agentId: approval.agentId,
      reason: decision.reason,
      details: { approval_id: approval.id, approver: approval.approver, approved_by: person.id, approver_email: person.email, resource: approval.resource, scope: approval.scopes.join(' '), authorization_details: approval.authorizationDetails },
    };
    if (!(await this.deps.store.decideApproval(approval.id, decision, [record]))) {
      const now2 = await this.deps.store.getApproval(approval.id);
      return refuse(now2?.status === 'pending' ? 'expired' : 'answered', approval.agentId, `lost the conditional write: approval is ${now2?.status ?? 'gone'}`);
    }
    const answered: ApprovalRecord = { ...approval, status, decidedBy: person.id, decidedAt: now, reason: decision.reason };
    this.deps.onAnswered?.(answered, agent);
    return { ok: true, approval: answered };
  }
}
