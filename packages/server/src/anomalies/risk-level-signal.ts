import { CAEP_RISK_LEVEL_CHANGE } from '@agentauth/protocol';
import type { RiskLevel } from '../policy/policy-schema.js';
import { eventTimestamp, type Signal } from '../signals/revocation-signal.js';
import type { AnomalyRecord } from '../store/ports/anomaly-store.js';

/**
 * The CAEP 1.0 §3.8 Risk Level Change event of an agent whose risk level an anomaly changed: an
 * RFC 9493 `iss_sub` subject (`sub` = the agent id), `current_level` and `previous_level` in
 * CAEP's upper case, `risk_reason` the anomaly's detector and evidence. `principal` is `USER`:
 * CAEP's list has no kind for workloads, and an agent is one of the "robotic users" CAEP 1.0 §1
 * names. `initiating_entity` is `system` (CAEP 1.0 §2).
 */
export function riskLevelSignal(issuer: string, anomaly: AnomalyRecord, previous: RiskLevel, current: RiskLevel): Signal {
  return {
    eventType: CAEP_RISK_LEVEL_CHANGE,
    subject: { format: 'iss_sub', iss: issuer, sub: anomaly.agentId },
    payload: {
      event_timestamp: eventTimestamp(anomaly.detectedAt),
      initiating_entity: 'system',
      principal: 'USER',
      current_level: current.toUpperCase(),
      previous_level: previous.toUpperCase(),
      risk_reason: `${anomaly.detector}: ${anomaly.evidence}`.slice(0, 500),
      reason_admin: { en: `anomaly ${anomaly.id}` },
    },
  };
}
