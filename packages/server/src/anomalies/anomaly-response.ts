import type { RiskLevel } from '../policy/policy-schema.js';
import type { AnomalyRecord } from '../store/ports/anomaly-store.js';
import { severityRank, type Severity } from './anomaly-finding.js';

/** The least severity each response answers, or `off` (docs/monitoring.md, "Response"). */
export interface ResponseSettings {
  webhook: Severity | 'off';
  signal: Severity | 'off';
  suspend: Severity | 'off';
}

/** What a response may do, each only where configured. */
export interface Responders {
  /** Starts the post (resolves once it is queued, never when it arrives). */
  webhook?: (anomaly: AnomalyRecord) => Promise<void> | void;
  /** An SSF/CAEP `risk-level-change` about the agent (CAEP 1.0 §3.8). */
  signal?: (anomaly: AnomalyRecord, previous: RiskLevel, current: RiskLevel) => Promise<void>;
  /** Suspends the agent, the reason on its audit record. */
  suspend?: (agentId: string, reason: string) => Promise<void>;
}

/** One response action, as `anomaly.detected` lists them in `details.response`. */
export type ResponseAction = 'webhook' | 'signal' | 'suspended';

/** What an anomaly of `severity` is answered with, given what is configured and available. */
export function planResponse(settings: ResponseSettings, responders: Responders, severity: Severity): ResponseAction[] {
  const reaches = (least: Severity | 'off') => least !== 'off' && severityRank(severity) >= severityRank(least);
  const actions: ResponseAction[] = [];
  if (responders.webhook !== undefined && reaches(settings.webhook)) actions.push('webhook');
  if (responders.signal !== undefined && reaches(settings.signal)) actions.push('signal');
  if (responders.suspend !== undefined && reaches(settings.suspend)) actions.push('suspended');
  return actions;
}
