import type { RefusalCode } from './policy-annotations.js';
import { agentEntity, cedarRequest, policyContext, policyTime, type PolicyQuery } from './policy-request.js';
import type { PolicyBinding } from './policy-schema.js';
import type { CompiledPolicySet } from './policy-set.js';

/** Cedar's decision on one (audience, scope) pair of a query. */
export interface PairDecision {
  resource: string;
  /** Empty when the operation carries no scope. */
  scope: string;
  allowed: boolean;
  /** The policies that determined the decision (satisfied permits, or satisfied forbids). */
  policies: readonly string[];
  /** Policies that failed to evaluate: the pair is denied (fail closed). */
  errors: readonly string[];
  /** A determining forbid's `@refusal`, if any. */
  refusal?: RefusalCode;
}

/** Every pair's decision, and what the satisfied permits of the allowed pairs ask for. */
export interface PolicyVerdict {
  /** The policy set version that decided. */
  version: number;
  pairs: readonly PairDecision[];
  /** The shortest `@max_ttl` of a determining permit, seconds. */
  maxTtl?: number;
  /** Each `@require_binding` of a determining permit, with its policy id: all must be met. */
  bindingRequirements: readonly { policy: string; bindings: readonly PolicyBinding[] }[];
  /** Determining permits carrying `@require_approval`. */
  approvalPolicies: readonly string[];
}

/** Most cached pair decisions; the oldest is dropped first. */
const CACHE_LIMIT = 10_000;

/**
 * Decides policy queries against the set in force. A query is one Cedar request per (audience,
 * scope) pair; equal requests (same set version, same agent version, same context to the minute)
 * are answered from a bounded cache, since fleets of agents ask the same question all day.
 */
export class PolicyDecider {
  private readonly cache = new Map<string, PairDecision>();

  constructor(
    private readonly options: {
      /** The set in force, read at each query (it changes when a new version is applied). */
      current: () => CompiledPolicySet;
      /** The resource of operations that name no audience (certificates, registration). */
      issuer: string;
      /** IANA time zone of `context.hour` and `context.weekday`. */
      timeZone: string;
      /** Told of each live decision (never of a dry run): allowed when every pair is (metrics). */
      onDecision?: (action: PolicyQuery['action'], allowed: boolean) => void;
    },
  ) {}

  /** Decides `query` against the set in force (or `set`, for dry runs and tests; never cached). */
  decide(query: PolicyQuery, set?: CompiledPolicySet): PolicyVerdict {
    const active = set ?? this.options.current();
    const cacheable = set === undefined;
    const time = policyTime(query.facts.now, this.options.timeZone);
    const context = policyContext(query, time);
    const principal = agentEntity(query.agent);
    const keyed = active.readsTime ? context : { ...context, time: null, hour: null, weekday: null };
    const contextKey = cacheable ? `${active.version}|${query.agent.id}|${query.agent.version}|${query.action}|${JSON.stringify(keyed)}` : '';

    const resources = query.resources.length > 0 ? query.resources : [this.options.issuer];
    const scopes = query.scopes.length > 0 ? query.scopes : [''];
    const pairs: PairDecision[] = [];
    for (const resource of resources) {
      for (const scope of scopes) {
        const key = `${contextKey}|${resource}|${scope}`;
        let pair = cacheable ? this.cache.get(key) : undefined;
        if (pair === undefined) {
          pair = decidePair(active, cedarRequest(active, query, principal, context, resource, scope), resource, scope);
          if (cacheable) this.remember(key, pair);
        }
        pairs.push(pair);
      }
    }
    if (cacheable) this.options.onDecision?.(query.action, pairs.every((pair) => pair.allowed));
    return shape(active, pairs);
  }

  /** Drops every cached decision (a new set, or an agent changed in a way its version misses). */
  clear(): void {
    this.cache.clear();
  }

  private remember(key: string, pair: PairDecision): void {
    if (this.cache.size >= CACHE_LIMIT) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
    this.cache.set(key, pair);
  }
}

function decidePair(set: CompiledPolicySet, request: Parameters<CompiledPolicySet['decide']>[0], resource: string, scope: string): PairDecision {
  const answer = set.decide(request);
  const errors = answer.errors.map((e) => (e.policyId === '' ? e.message : `${e.policyId}: ${e.message}`).slice(0, 300));
  const allowed = answer.decision === 'allow' && errors.length === 0;
  const pair: PairDecision = { resource, scope, allowed, policies: answer.reason, errors };
  if (!allowed) {
    const refusal = answer.reason.map((id) => set.policies.get(id)?.effects.refusal).find((code) => code !== undefined);
    if (refusal !== undefined) pair.refusal = refusal;
  }
  return pair;
}

/** Gathers the shaping annotations of the permits that allowed each allowed pair. */
function shape(set: CompiledPolicySet, pairs: PairDecision[]): PolicyVerdict {
  let maxTtl: number | undefined;
  const bindingRequirements = new Map<string, readonly PolicyBinding[]>();
  const approvalPolicies = new Set<string>();
  for (const pair of pairs) {
    if (!pair.allowed) continue;
    for (const id of pair.policies) {
      const effects = set.policies.get(id)?.effects;
      if (effects === undefined) continue;
      if (effects.maxTtl !== undefined) maxTtl = Math.min(maxTtl ?? Infinity, effects.maxTtl);
      if (effects.requireBinding !== undefined) bindingRequirements.set(id, effects.requireBinding);
      if (effects.requireApproval) approvalPolicies.add(id);
    }
  }
  const verdict: PolicyVerdict = {
    version: set.version,
    pairs,
    bindingRequirements: [...bindingRequirements].map(([policy, bindings]) => ({ policy, bindings })),
    approvalPolicies: [...approvalPolicies],
  };
  if (maxTtl !== undefined) verdict.maxTtl = maxTtl;
  return verdict;
}
