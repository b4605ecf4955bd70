import type { EvaluationsSemantic } from '@agentauth/protocol';
import { AGENT_ID_PATTERN } from '../agents/agent-ids.js';
import { standingFault } from '../agents/agent-standing.js';
import type { Clock } from '../clock.js';
import type { AgentRecord } from '../store/records.js';
import type { Evaluation } from './authzen-request.js';
import type { CedarRequest, Context, EntityJson } from '../policy/cedar.js';
import { agentEntity, policyAddress, policyTime, type PolicyTime } from '../policy/policy-request.js';
import { API_CALL_ACTION } from '../policy/policy-schema.js';
import { DEFAULT_SENSITIVITY, type CompiledPolicySet } from '../policy/policy-set.js';

/** How one evaluation ended, for the decision tally (never for the caller: it sees a boolean). */
export type EvaluationOutcome = 'permitted' | 'denied' | 'unknown_subject' | 'error';

/** What the PDP needs: the set in force, the registry, the time and the policy time zone. */
export interface AuthZenPdpDeps {
  current: () => CompiledPolicySet;
  /** An agent from the registry (served from memory), or undefined. */
  agent: (id: string) => Promise<AgentRecord | undefined>;
  clock: Clock;
  /** IANA time zone of `context.hour` and `context.weekday`. */
  timeZone: string;
  /** Hears each evaluation's outcome (the decision tally). */
  onOutcome?: (pep: string, outcome: EvaluationOutcome, version: number) => void;
  /** Hears a policy that failed to evaluate (the operator's log). */
  onError?: (detail: { version: number; errors: string[] }) => void;
}

/** `User.status` of a person the resource server describes: asserted by it, not from a registry. */
export const ASSERTED_USER_STATUS = 'asserted';
/** Most subject or resource properties that become Cedar tags. */
const MAX_TAGS = 64;
/** Longest tag value kept; a longer property is not shown to policies. */
const MAX_TAG_LENGTH = 1024;

/**
 * The AuthZEN Policy Decision Point (AuthZEN 1.0 §6, §7) over the stored Cedar policies, as the
 * `call_api` action (docs/authzen.md has the mapping). It answers only booleans, and false
 * whenever it cannot say yes for sure: a subject it cannot place (an unknown, suspended or
 * disabled agent; a subject type other than `agent` or `user`), a policy that fails to evaluate,
 * a request Cedar refuses. The calling service (`pep`) is known to policies as `context.pep`.
 */
export class AuthZenPdp {
  constructor(private readonly deps: AuthZenPdpDeps) {}

  /** One decision (AuthZEN 1.0 §6). */
  async evaluate(evaluation: Evaluation, pep: string): Promise<boolean> {
    const set = this.deps.current();
    const outcome = await this.outcome(set, evaluation, pep);
    this.deps.onOutcome?.(pep, outcome, set.version);
    return outcome === 'permitted';
  }

  /**
   * Decisions in request order under one policy set (AuthZEN 1.0 §7.1.2.1): `execute_all` answers
   * every one; `deny_on_first_deny` stops after the first false, `permit_on_first_permit` after the
   * first true, and the answer ends with that decision.
   */
  async evaluateAll(evaluations: readonly Evaluation[], semantic: EvaluationsSemantic, pep: string): Promise<boolean[]> {
    const set = this.deps.current();
    const decisions: boolean[] = [];
    for (const evaluation of evaluations) {
      const outcome = await this.outcome(set, evaluation, pep);
      this.deps.onOutcome?.(pep, outcome, set.version);
      const decision = outcome === 'permitted';
      decisions.push(decision);
      if ((semantic === 'deny_on_first_deny' && !decision) || (semantic === 'permit_on_first_permit' && decision)) break;
    }
    return decisions;
  }

  private async outcome(set: CompiledPolicySet, evaluation: Evaluation, pep: string): Promise<EvaluationOutcome> {
    const principal = await this.principal(evaluation.subject);
    if (principal === undefined) return 'unknown_subject';
    const { resource } = evaluation;
    const time = policyTime(this.deps.clock.now(), this.deps.timeZone);
    const request: CedarRequest = {
      principal: principal.uid,
      action: { type: 'Action', id: API_CALL_ACTION },
      resource: { type: 'ApiResource', id: apiResourceId(resource.type, resource.id) },
      context: apiContext(evaluation, pep, time),
      entities: [
        principal,
        {
          uid: { type: 'ApiResource', id: apiResourceId(resource.type, resource.id) },
          attrs: { type: resource.type, id: resource.id, uri: apiResourceId(resource.type, resource.id), sensitivity: sensitivityOf(resource.properties) },
          parents: [],
          tags: tagsOf(resource.properties),
        },
        ...set.groupEntities(),
      ],
    };
    let answer;
    try {
      answer = set.decide(request);
    } catch (error) {
      this.deps.onError?.({ version: set.version, errors: [error instanceof Error ? error.message.slice(0, 300) : 'evaluation failed'] });
      return 'error';
    }
    if (answer.errors.length > 0) {
      this.deps.onError?.({ version: set.version, errors: answer.errors.map((e) => (e.policyId === '' ? e.message : `${e.policyId}: ${e.message}`).slice(0, 300)) });
      return 'error';
    }
    return answer.decision === 'allow' ? 'permitted' : 'denied';
  }

  /** The Cedar principal of an AuthZEN subject, or undefined when it cannot be placed. */
  private async principal(subject: Evaluation['subject']): Promise<(EntityJson & { uid: { type: string; id: string } }) | undefined> {
    if (subject.type === 'agent') {
      // An id no agent can have is not looked up: no read, and no entry in the registry's cache.
      if (!AGENT_ID_PATTERN.test(subject.id)) return undefined;
      const agent = await this.deps.agent(subject.id);
      // The registry is the truth about an agent: its standing, its attributes and labels. What
      // the caller says of it (`properties`) is not read.
      if (agent === undefined || standingFault(agent) !== undefined) return undefined;
      return { ...agentEntity(agent), uid: { type: 'Agent', id: agent.id } };
    }
    if (subject.type === 'user') {
      const { properties } = subject;
      const name = typeof properties['name'] === 'string' ? properties['name'] : '';
      const email = typeof properties['email'] === 'string' ? properties['email'] : '';
      return { uid: { type: 'User', id: subject.id }, attrs: { name, email, status: ASSERTED_USER_STATUS }, parents: [], tags: tagsOf(properties) };
    }
    return undefined;
  }
}

/**
 * The Cedar id of an AuthZEN resource: `<type>:<id>` (AuthZEN ids are scoped to their type,
 * §5.2). Policies compare `resource.type` and `resource.id`, which are exact; the joined id is for
 * reading decisions and naming one resource in a policy.
 */
export function apiResourceId(type: string, id: string): string {
  return `${type}:${id}`;
}

/**
 * The context of an API question. Every action shares one context type (policy-schema.ts), so a
 * policy that names no action validates against all of them; the fields of the server's own
 * operations take their neutral values here: no scope, no binding, no delegation, an unknown
 * address (`0.0.0.0`, inside no network). `name` is the AuthZEN action, `pep` the asking service.
 */
function apiContext(evaluation: Evaluation, pep: string, time: PolicyTime): Context {
  return {
    time: { __extn: { fn: 'datetime', arg: time.iso } },
    hour: time.hour,
    weekday: time.weekday,
    source_ip: { __extn: { fn: 'ip', arg: policyAddress(null) } },
    binding: 'none',
    auth_method: '',
    grant_type: '',
    scope: '',
    scopes: [],
    resources: [apiResourceId(evaluation.resource.type, evaluation.resource.id)],
    subject: evaluation.subject.id,
    actors: [],
    delegation_depth: 0,
    task_id: '',
    requested_ttl: 0,
    renewal: false,
    risk: 'low',
    name: evaluation.action.name,
    pep,
  };
}

/** A resource's `sensitivity` property when it is a string, else the default of every resource. */
function sensitivityOf(properties: Record<string, unknown>): string {
  const value = properties['sensitivity'];
  return typeof value === 'string' && value.length <= MAX_TAG_LENGTH ? value : DEFAULT_SENSITIVITY;
}

/**
 * AuthZEN properties as Cedar tags (`String` values): strings as they are, numbers and booleans
 * as their JSON text; objects, arrays and null are not shown to policies (Cedar tags of one entity
 * share one type). At most {@link MAX_TAGS}, each at most {@link MAX_TAG_LENGTH} characters.
 */
export function tagsOf(properties: Record<string, unknown>): Record<string, string> {
  const tags: [string, string][] = [];
  for (const [key, value] of Object.entries(properties)) {
    if (tags.length >= MAX_TAGS) break;
    const text = typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? JSON.stringify(value) : undefined;
    if (text !== undefined && text.length <= MAX_TAG_LENGTH) tags.push([key, text]);
  }
  // fromEntries defines own members, so a key such as `__proto__` stays a plain tag.
  return Object.fromEntries(tags);
}
