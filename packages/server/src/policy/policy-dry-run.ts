import type { AuditStore } from '../store/ports/audit-store.js';
import type { AgentStore } from '../store/ports/agent-store.js';
import type { AgentRecord, AuditRecord } from '../store/records.js';
import type { PolicyDecider } from './policy-decider.js';
import { applyVerdict } from './policy-outcome.js';
import type { PolicyQuery } from './policy-request.js';
import { POLICY_ACTIONS, type PolicyAction, type PolicyBinding } from './policy-schema.js';
import { CompiledPolicySet } from './policy-set.js';

/** How a past request's outcome would change under the proposed set. */
export type OutcomeChangeKind = 'allowed_to_denied' | 'denied_to_allowed' | 'narrowed' | 'widened' | 'shorter_ttl' | 'longer_ttl';

/** Past requests of one agent, on one resource and scope, whose outcome would change the same way. */
export interface OutcomeChange {
  change: OutcomeChangeKind;
  agentId: string;
  resource: string;
  scope: string;
  count: number;
  /** The first such record: its `seq` and time, what happened then and what would happen. */
  example: { seq: number; time: number; recorded: string; proposed: string };
}

/** What a dry run found. */
export interface DryRunReport {
  from: number;
  to: number;
  /** Decision records read in the window. */
  recordsRead: number;
  /** Records decided again under the proposed set. */
  replayed: number;
  /** Replayed requests whose outcome would change. */
  changedRequests: number;
  /** Records without the policy input (made before the policy layer, or refused before it decided). */
  notReplayable: number;
  /** Records of agents deleted since: skipped, since the principal's attributes are gone. */
  agentsMissing: number;
  /**
   * True when the run stopped early: the window held more than `maxRecords` decision records, or
   * more than `maxDecisions` distinct requests; only the oldest were replayed.
   */
  capped: boolean;
  changes: OutcomeChange[];
}

/** The token decisions the audit log keeps with their policy input (oauth/endpoints/token-policy.ts). */
const DECISION_EVENTS = ['access_token.issued', 'access_token.denied'] as const;
/** Records read per page of the audit store. */
const PAGE_SIZE = 500;
/** Most groups of changes reported; the rest are counted in `changedRequests` only. */
const MAX_GROUPS = 1_000;
/** Cedar decisions between two yields to the event loop (a few ms each): tokens keep flowing meanwhile. */
const DECISIONS_PER_SLICE = 25;
/**
 * The Cedar cache id a dry run's set is preparsed into: one slot, reused by each run, so the
 * cache does not grow with every proposal. Runs in one process take turns on it ({@link turn}).
 */
const DRY_RUN_SLOT = 'dry-run';
let turn: Promise<unknown> = Promise.resolve();

/** What the audit record kept of a decided token request (`details.policy.input`). */
interface RecordedInput {
  action: PolicyAction;
  resources: string[];
  scopes: string[];
  scopesRequested: boolean;
  binding: PolicyBinding;
  authMethod: string;
  grantType: string;
  subject: string;
  actors: string[];
  taskId: string;
  requestedTtl: number;
}

/** An outcome: allowed with scopes and a lifetime, or denied. */
type Outcome = { allowed: true; scopes: string[]; ttl: number } | { allowed: false };

/**
 * Replays the token decisions recorded in the audit log between `from` and `to` under a proposed
 * policy set, and reports the requests whose outcome would change, grouped by agent, resource and
 * scope. Each request is rebuilt from its record (`details.policy.input`, the record's time, source
 * address and agent) with the agent as the registry holds it now; the proposed set decides it (never
 * through the decider's cache) and `applyVerdict` shapes it as the token endpoint would.
 *
 * Does NOT replay what the policy layer never saw: requests refused before it (authentication,
 * the allow-list) have no policy input and are counted as not replayable, and so are records made
 * before the policy layer existed. Reads at most `maxRecords` records and decides at most
 * `maxDecisions` distinct requests (oldest first), and says when it stopped there. One run at a
 * time per process, yielding to the event loop between slices of decisions, since Cedar decides
 * synchronously and the node keeps serving tokens meanwhile.
 */
export function replayDecisions(
  deps: { audit: Pick<AuditStore, 'queryAudit'>; agents: Pick<AgentStore, 'getAgent'>; decider: Pick<PolicyDecider, 'decide'> },
  proposed: CompiledPolicySet,
  window: { from: number; to: number; maxRecords: number; maxDecisions: number },
): Promise<DryRunReport> {
  const run = turn.then(() => replay(deps, proposed, window));
  turn = run.catch(() => undefined);
  return run;
}

async function replay(
  deps: { audit: Pick<AuditStore, 'queryAudit'>; agents: Pick<AgentStore, 'getAgent'>; decider: Pick<PolicyDecider, 'decide'> },
  validated: CompiledPolicySet,
  window: { from: number; to: number; maxRecords: number; maxDecisions: number },
): Promise<DryRunReport> {
  // Preparsed, a decision costs half as much; the set was validated already, so this cannot fail.
  const compiled = CompiledPolicySet.compile(validated.version, validated.content, { preparse: true, slot: DRY_RUN_SLOT });
  if (!compiled.ok) throw new Error('a validated policy set no longer compiles');
  const proposed = compiled.set;
  const report: DryRunReport = { from: window.from, to: window.to, recordsRead: 0, replayed: 0, changedRequests: 0, notReplayable: 0, agentsMissing: 0, capped: false, changes: [] };
  const groups = new Map<string, OutcomeChange>();
  const agents = new Map<string, AgentRecord | undefined>();
  // Fleets repeat the same request all day: equal requests within a minute decide alike.
  const decided = new Map<string, Outcome>();

  for (const event of DECISION_EVENTS) {
    let after: string | undefined;
    do {
      const room = window.maxRecords - report.recordsRead;
      if (room <= 0 || decided.size >= window.maxDecisions) {
        report.capped = true;
        break;
      }
      const page = await deps.audit.queryAudit({ event, from: window.from, to: window.to }, { limit: Math.min(PAGE_SIZE, room), ...(after === undefined ? {} : { after }) });
      for (const record of page.items) {
        report.recordsRead++;
        const input = recordedInput(record);
        if (input === undefined || record.agentId === null) {
          report.notReplayable++;
          continue;
        }
        if (!agents.has(record.agentId)) agents.set(record.agentId, await deps.agents.getAgent(record.agentId));
        const agent = agents.get(record.agentId);
        if (agent === undefined) {
          report.agentsMissing++;
          continue;
        }
        report.replayed++;
        const query = queryOf(record, input, agent);
        const key = `${agent.id}|${agent.version}|${Math.floor(record.time / 60_000)}|${JSON.stringify(input)}|${record.sourceIp ?? ''}`;
        let outcome = decided.get(key);
        if (outcome === undefined) {
          if (decided.size >= window.maxDecisions) {
            // Not replayed after all: the report covers the records before this one.
            report.capped = true;
            report.replayed--;
            report.recordsRead--;
            break;
          }
          outcome = proposedOutcome(deps.decider, proposed, query, input);
          decided.set(key, outcome);
          if (decided.size % DECISIONS_PER_SLICE === 0) await new Promise((resolve) => setImmediate(resolve));
        }
        const changes = compare(recordedOutcome(record, input), outcome, input);
        if (changes.length > 0) report.changedRequests++;
        for (const change of changes) {
          const groupKey = `${change.change}|${record.agentId}|${change.resource}|${change.scope}`;
          const group = groups.get(groupKey);
          if (group !== undefined) group.count++;
          else if (groups.size < MAX_GROUPS) {
            groups.set(groupKey, { change: change.change, agentId: record.agentId, resource: change.resource, scope: change.scope, count: 1, example: { seq: record.seq, time: record.time, recorded: change.recorded, proposed: change.proposed } });
          }
        }
      }
      after = report.capped ? undefined : page.next;
    } while (after !== undefined);
  }
  report.changes = [...groups.values()].sort((a, b) => b.count - a.count || a.agentId.localeCompare(b.agentId) || a.resource.localeCompare(b.resource) || a.scope.localeCompare(b.scope));
  return report;
}

function queryOf(record: AuditRecord, input: RecordedInput, agent: AgentRecord): PolicyQuery {
  return {
    action: input.action,
    agent,
    resources: input.resources,
    scopes: input.scopes,
    facts: {
      now: record.time,
      sourceIp: record.sourceIp,
      binding: input.binding,
      authMethod: input.authMethod,
      grantType: input.grantType,
      subject: input.subject,
      actors: input.actors,
      taskId: input.taskId,
      requestedTtl: input.requestedTtl,
      renewal: false,
      risk: 'low',
    },
  };
}

function proposedOutcome(decider: Pick<PolicyDecider, 'decide'>, set: CompiledPolicySet, query: PolicyQuery, input: RecordedInput): Outcome {
  const applied = applyVerdict(decider.decide(query, set), { scopes: input.scopes, scopesRequested: input.scopesRequested, ttl: input.requestedTtl, binding: input.binding, noun: 'token' });
  return applied.ok ? { allowed: true, scopes: applied.scopes, ttl: applied.ttl } : { allowed: false };
}

/** What the record says happened: the scopes and lifetime issued (`exp - iat`), or a refusal. */
function recordedOutcome(record: AuditRecord, input: RecordedInput): Outcome {
  if (record.event !== 'access_token.issued') return { allowed: false };
  const scope = record.details['scope'];
  const exp = record.details['exp'];
  const scopes = typeof scope === 'string' && scope !== '' ? scope.split(' ') : [];
  const ttl = typeof exp === 'number' ? exp - Math.floor(record.time / 1000) : input.requestedTtl;
  return { allowed: true, scopes, ttl };
}

/** Each (resource, scope) whose outcome differs, and how. */
function compare(recorded: Outcome, proposed: Outcome, input: RecordedInput): { change: OutcomeChangeKind; resource: string; scope: string; recorded: string; proposed: string }[] {
  const resources = input.resources.length > 0 ? input.resources : [''];
  const each = (scopes: readonly string[], change: OutcomeChangeKind, before: string, after: string) =>
    resources.flatMap((resource) => (scopes.length > 0 ? scopes : ['']).map((scope) => ({ change, resource, scope, recorded: before, proposed: after })));
  if (recorded.allowed && !proposed.allowed) return each(recorded.scopes, 'allowed_to_denied', 'issued', 'denied');
  if (!recorded.allowed && proposed.allowed) return each(proposed.scopes, 'denied_to_allowed', 'denied', 'issued');
  if (!recorded.allowed || !proposed.allowed) return [];
  const dropped = recorded.scopes.filter((s) => !proposed.scopes.includes(s));
  const added = proposed.scopes.filter((s) => !recorded.scopes.includes(s));
  const [before, after] = [`scope ${recorded.scopes.join(' ')}`, `scope ${proposed.scopes.join(' ')}`];
  const changes = [...(dropped.length > 0 ? each(dropped, 'narrowed', before, after) : []), ...(added.length > 0 ? each(added, 'widened', before, after) : [])];
  if (proposed.ttl !== recorded.ttl) changes.push(...each(proposed.scopes, proposed.ttl < recorded.ttl ? 'shorter_ttl' : 'longer_ttl', `${recorded.ttl} s`, `${proposed.ttl} s`));
  return changes;
}

/** Reads `details.policy.input` of a record, checking every member (a malformed one is not replayed). */
function recordedInput(record: AuditRecord): RecordedInput | undefined {
  const policy = record.details['policy'];
  if (typeof policy !== 'object' || policy === null) return undefined;
  const input = (policy as Record<string, unknown>)['input'];
  if (typeof input !== 'object' || input === null) return undefined;
  const i = input as Record<string, unknown>;
  const strings = (value: unknown) => (Array.isArray(value) && value.every((v) => typeof v === 'string') ? (value as string[]) : undefined);
  const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
  const action = POLICY_ACTIONS.find((a) => a === i['action']);
  const binding = (['none', 'dpop', 'mtls'] as const).find((b) => b === i['binding']);
  const resources = strings(i['resources']);
  const scopes = strings(i['scopes']);
  const actors = strings(i['actors']);
  const [authMethod, grantType, subject, taskId] = [text(i['auth_method']), text(i['grant_type']), text(i['subject']), text(i['task_id'])];
  const requestedTtl = i['requested_ttl'];
  const scopesRequested = i['scopes_requested'];
  if (action === undefined || binding === undefined || resources === undefined || scopes === undefined || actors === undefined) return undefined;
  if (authMethod === undefined || grantType === undefined || subject === undefined || taskId === undefined) return undefined;
  if (typeof requestedTtl !== 'number' || !Number.isInteger(requestedTtl) || typeof scopesRequested !== 'boolean') return undefined;
  return { action, resources, scopes, scopesRequested, binding, authMethod, grantType, subject, actors, taskId, requestedTtl };
}
