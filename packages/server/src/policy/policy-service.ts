import { SCOPE_ADMIN } from '@agentauth/protocol';
import { changeRecord, type AuditContext } from '../audit/change-record.js';
import type { Clock } from '../clock.js';
import type { AgentStore } from '../store/ports/agent-store.js';
import type { PolicySetRecord, PolicySetSummary, PolicyStore } from '../store/ports/policy-store.js';
import type { AgentRecord } from '../store/records.js';
import type { EntityJson } from './cedar.js';
import type { PolicyDecider, PolicyVerdict } from './policy-decider.js';
import type { PolicyDirectory } from './policy-directory.js';
import { PolicyError } from './policy-error.js';
import type { PolicyFacts, PolicyQuery } from './policy-request.js';
import type { PolicyBinding } from './policy-schema.js';
import { BASELINE_POLICIES, CompiledPolicySet, type PolicySetContent } from './policy-set.js';
import { inSource, parsePolicySource, type PolicyText } from './policy-source.js';

/** A change to the policy set, as the admin API and the CLI ask for it. */
export interface PolicyChange {
  /** Cedar text of one or more policies, each with `@id`: added, or replacing the policy of that id. */
  source?: string;
  /** Replace the whole set with `source` (policies not in it are deleted). */
  replace?: boolean;
  /** Policy ids to delete. */
  delete?: string[];
  /** Replaces the described entities (Resource attributes, Groups) when given. */
  entities?: EntityJson[];
  comment?: string;
  /** The version the change was written against: refused with `conflict` if another was applied since. */
  expectedVersion?: number;
}

/** What an applied change did. */
export interface AppliedChange {
  version: number;
  added: string[];
  changed: string[];
  deleted: string[];
  entitiesChanged: boolean;
}

/** Most agents the lock-out check looks at. */
const LOCKOUT_CANDIDATES = 200;

/**
 * The policy set as the admin API manages it: validate, apply (add, replace or delete policies and
 * entities) and test. Every change is validated against the schema as a whole set, checked not to
 * lock the admin API out, committed as a new version with its audit record (`policy_set.applied`,
 * with the diff) in one transaction, and loaded on this process before the call returns; other
 * nodes load it within their poll interval.
 */
export class PolicyService {
  constructor(
    private readonly deps: {
      issuer: string;
      clock: Clock;
      store: PolicyStore;
      agents: Pick<AgentStore, 'getAgent' | 'listAgents'>;
      directory: PolicyDirectory;
      decider: PolicyDecider;
    },
  ) {}

  /** The set in force. */
  current(): CompiledPolicySet {
    return this.deps.directory.current();
  }

  /** One stored version with its content (the baseline for version 0). */
  async version(version: number): Promise<PolicySetRecord> {
    if (version === 0) return { version: 0, createdAt: 0, createdBy: 'system', comment: 'baseline', ...BASELINE_POLICIES };
    const record = await this.deps.store.getPolicySet(version);
    if (record === undefined) throw new PolicyError('not_found', `no policy set version ${version}`);
    return record;
  }

  /** The newest versions, newest first. */
  history(limit: number): Promise<PolicySetSummary[]> {
    return this.deps.store.listPolicySets(limit);
  }

  /** Validates a policy source on its own and as part of the set it would produce; throws `policy_invalid`. */
  validate(change: PolicyChange): CompiledPolicySet {
    return this.propose(this.current(), change).set;
  }

  /** Applies `change` as the next version; throws `PolicyError` when it is invalid, stale or locks the admin API out. */
  async apply(change: PolicyChange, ctx: AuditContext, callerAgentId: string | null): Promise<AppliedChange> {
    const current = this.current();
    if (change.expectedVersion !== undefined && change.expectedVersion !== current.version) {
      throw new PolicyError('conflict', `the policy set is at version ${current.version}, not ${change.expectedVersion}`);
    }
    const { set, content, diff } = this.propose(current, change);
    if (diff.added.length + diff.changed.length + diff.deleted.length === 0 && !diff.entitiesChanged) {
      throw new PolicyError('validation_failed', 'the change changes nothing');
    }
    await this.checkLockout(current, set, ctx, callerAgentId);

    const now = this.deps.clock.now();
    const record: PolicySetRecord = { version: current.version + 1, createdAt: now, createdBy: ctx.actor, comment: (change.comment ?? '').slice(0, 500), ...content };
    const audit = changeRecord(now, 'policy_set.applied', ctx, { version: record.version, previous_version: current.version, ...diffDetails(diff), comment: record.comment }, null);
    const inserted = await this.deps.store.insertPolicySet(record, [audit]);
    if (!inserted) throw new PolicyError('conflict', 'another change to the policy set was applied at the same time; read it and try again');
    await this.deps.directory.reload();
    this.deps.decider.clear();
    return { version: record.version, ...diff };
  }

  /**
   * Decides `query` under the set in force, or under the set `change` would produce (nothing is
   * stored), for `agentauth policies test`.
   */
  test(query: PolicyQuery, change?: PolicyChange): PolicyVerdict {
    const set = change === undefined ? this.current() : this.propose(this.current(), change).set;
    return this.deps.decider.decide(query, set);
  }

  /** Builds and validates the set a change would produce. */
  private propose(current: CompiledPolicySet, change: PolicyChange): { set: CompiledPolicySet; content: PolicySetContent; diff: Omit<AppliedChange, 'version'> } {
    let incoming: PolicyText[] = [];
    const startOf = new Map<string, { line: number; column: number }>();
    if (change.source !== undefined) {
      const parsed = parsePolicySource(change.source);
      if (!parsed.ok) throw new PolicyError('policy_invalid', 'the policies do not parse', parsed.problems);
      incoming = parsed.policies.map(({ id, description, text }) => ({ id, description, text }));
      for (const policy of parsed.policies) startOf.set(policy.id, policy.at);
    }
    const byId = new Map(change.replace ? [] : current.content.policies.map((p) => [p.id, p] as const));
    for (const id of change.delete ?? []) {
      if (!byId.has(id)) throw new PolicyError('not_found', `no policy ${JSON.stringify(id.slice(0, 130))} in the set`);
      byId.delete(id);
    }
    for (const policy of incoming) byId.set(policy.id, policy);
    const content: PolicySetContent = { policies: [...byId.values()].sort((a, b) => a.id.localeCompare(b.id)), entities: change.entities ?? current.content.entities };
    const compiled = CompiledPolicySet.compile(current.version + 1, content, { preparse: false });
    if (!compiled.ok) {
      // Lines of the policies just sent count in the source the caller sent.
      const located = compiled.problems.map((p) => {
        const at = p.policyId === null ? undefined : startOf.get(p.policyId);
        return at === undefined ? p : inSource(p, at);
      });
      throw new PolicyError('policy_invalid', 'the policy set does not validate against the schema', located);
    }

    const before = new Map(current.content.policies.map((p) => [p.id, p.text] as const));
    const after = new Map(content.policies.map((p) => [p.id, p.text] as const));
    const diff: Omit<AppliedChange, 'version'> = {
      added: [...after.keys()].filter((id) => !before.has(id)),
      changed: [...after].filter(([id, text]) => before.has(id) && before.get(id) !== text).map(([id]) => id),
      deleted: [...before.keys()].filter((id) => !after.has(id)),
      entitiesChanged: JSON.stringify(content.entities) !== JSON.stringify(current.content.entities),
    };
    return { set: compiled.set, content, diff };
  }

  /**
   * Refuses a set that would lock the admin API out: the calling agent must keep its admin token
   * (no one saws off the branch they sit on), and if any agent holding `agentauth:admin` can get an
   * admin token today, one still can. A binding a policy demands counts as available: what is
   * checked is whether some way in remains. The bootstrap token is never subject to policies.
   */
  private async checkLockout(current: CompiledPolicySet, proposed: CompiledPolicySet, ctx: AuditContext, callerAgentId: string | null): Promise<void> {
    const candidates: AgentRecord[] = [];
    if (callerAgentId !== null) {
      const caller = await this.deps.agents.getAgent(callerAgentId);
      if (caller !== undefined) candidates.push(caller);
    } else {
      const page = await this.deps.agents.listAgents({ status: 'active' }, { limit: LOCKOUT_CANDIDATES });
      candidates.push(...page.items.filter((a) => a.scopes.includes(SCOPE_ADMIN)));
    }
    const admitted = (set: CompiledPolicySet, agent: AgentRecord) => (['none', 'dpop', 'mtls'] as const).some((binding) => this.adminTokenAllowed(set, agent, binding, ctx.sourceIp));
    const before = candidates.filter((agent) => admitted(current, agent));
    if (before.length === 0) return;
    const after = before.filter((agent) => admitted(proposed, agent));
    if (callerAgentId !== null && after.length === 0) {
      throw new PolicyError('policy_lockout', `the policy set would deny your own agent (${callerAgentId}) an agentauth:admin token: it would lock you out of the admin API`);
    }
    if (after.length === 0) throw new PolicyError('policy_lockout', 'the policy set would deny every agent holding agentauth:admin an admin token: it would lock the admin API out');
  }

  private adminTokenAllowed(set: CompiledPolicySet, agent: AgentRecord, binding: PolicyBinding, sourceIp: string | null): boolean {
    const facts: PolicyFacts = {
      now: this.deps.clock.now(),
      sourceIp: sourceIp ?? '127.0.0.1',
      binding,
      authMethod: agent.tokenEndpointAuthMethod,
      grantType: 'client_credentials',
      subject: agent.id,
      actors: [],
      taskId: '',
      requestedTtl: 300,
      renewal: false,
      risk: 'low',
    };
    const verdict = this.deps.decider.decide({ action: 'issue_token', agent, resources: [this.deps.issuer], scopes: [SCOPE_ADMIN], facts }, set);
    return verdict.pairs.every((p) => p.allowed) && verdict.approvalPolicies.length === 0 && verdict.bindingRequirements.every((r) => r.bindings.includes(binding));
  }
}

function diffDetails(diff: Omit<AppliedChange, 'version'>): Record<string, unknown> {
  return { added: diff.added, changed: diff.changed, deleted: diff.deleted, entities_changed: diff.entitiesChanged };
}
