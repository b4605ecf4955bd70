import type { RiskLevel } from '../policy/policy-schema.js';
import type { Severity } from './anomaly-finding.js';

/**
 * Each agent's risk level as policies see it (`context.risk`, docs/policy.md): the highest
 * severity among its open and acknowledged anomalies, `low` when it has none. Kept in memory,
 * loaded from the store at start and updated as anomalies are raised and resolved on this node.
 */
export class AnomalyRisk {
  readonly #active = new Map<string, Map<string, Severity>>();

  /** Counts an anomaly that is open or acknowledged. */
  add(agentId: string, anomalyId: string, severity: Severity): void {
    let anomalies = this.#active.get(agentId);
    if (anomalies === undefined) this.#active.set(agentId, (anomalies = new Map()));
    anomalies.set(anomalyId, severity);
  }

  /** Stops counting a resolved anomaly. */
  remove(agentId: string, anomalyId: string): void {
    const anomalies = this.#active.get(agentId);
    anomalies?.delete(anomalyId);
    if (anomalies?.size === 0) this.#active.delete(agentId);
  }

  /** The agent's risk level. */
  of(agentId: string): RiskLevel {
    let level: RiskLevel = 'low';
    for (const severity of this.#active.get(agentId)?.values() ?? []) {
      if (severity === 'high') return 'high';
      if (severity === 'medium') level = 'medium';
    }
    return level;
  }
}
