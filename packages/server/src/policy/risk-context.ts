import type { PolicyDecider } from './policy-decider.js';
import type { RiskLevel } from './policy-schema.js';

/**
 * A decider whose questions carry the agent's current risk level in `context.risk`
 * (docs/policy.md), as anomaly detection keeps it (docs/monitoring.md, "Response"): the highest
 * severity of the agent's open anomalies. Without `riskOf` the decider is returned as it is, and
 * every question keeps the risk its decision point set (`low`).
 */
export function withRisk<D extends Pick<PolicyDecider, 'decide'>>(decider: D, riskOf: ((agentId: string) => RiskLevel) | undefined): Pick<PolicyDecider, 'decide'> {
  if (riskOf === undefined) return decider;
  return {
    decide: (query, set) => decider.decide({ ...query, facts: { ...query.facts, risk: riskOf(query.agent.id) } }, set),
  };
}
