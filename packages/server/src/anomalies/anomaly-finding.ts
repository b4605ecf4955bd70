import type { AuditInput } from '../store/records.js';

/** How bad an anomaly is; the response to each is configured (docs/monitoring.md, "Response"). */
export const SEVERITIES = ['low', 'medium', 'high'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** The rank of a severity, for comparisons: low 1, medium 2, high 3. */
export function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity) + 1;
}

/** The detectors (docs/monitoring.md, "Anomalies"), by the name an anomaly record carries. */
export const DETECTORS = ['request_rate', 'new_network', 'new_resource', 'new_scope', 'refusal_spike', 'delegation_surge', 'off_hours', 'certificate_churn'] as const;
export type DetectorName = (typeof DETECTORS)[number];

/** What the detectors read of an audit record: what was committed, never more. */
export type ObservedRecord = Pick<AuditInput, 'time' | 'event' | 'outcome' | 'agentId' | 'sourceIp' | 'reason' | 'details'>;

/** What a detector found: the agent, the rule it broke, and the evidence in words. */
export interface Finding {
  agentId: string;
  detector: DetectorName;
  severity: Severity;
  /** One sentence an operator reads ("12x its usual rate for 14:00-15:00 UTC over the last 14 days"). */
  evidence: string;
  /** The numbers behind the sentence (counts, baseline, network, scope). Never a secret. */
  details: Record<string, unknown>;
  /** The time of the record that tipped it, ms. */
  time: number;
}
