import { Type, type Static } from 'typebox';
import { DETECTORS, SEVERITIES } from '../../anomalies/anomaly-finding.js';
import { ANOMALY_ID_PATTERN, MAX_NOTE_LENGTH } from '../../anomalies/anomaly-service.js';
import { ANOMALY_STATES, type AnomalyRecord } from '../../store/ports/anomaly-store.js';
import { AgentId } from './agent.js';
import { JsonObject, NullableString, NullableTime, Page, pagination, rfc3339, rfc3339OrNull, StringEnum, Time } from './primitives.js';

/** Anomalies on the admin API's wire (docs/admin-api.md, "Anomalies"; docs/monitoring.md). */

/** `{ id }` path parameters. */
export const AnomalyParams = Type.Object({ id: Type.String({ pattern: ANOMALY_ID_PATTERN.source }) }, { additionalProperties: false });

/** `GET /anomalies` query: newest first, of one agent or all, in one state or all. */
export const ListAnomaliesQuery = Type.Object(
  { agent_id: Type.Optional(AgentId), state: Type.Optional(StringEnum(ANOMALY_STATES)), ...pagination },
  { additionalProperties: false },
);
export type ListAnomaliesQuery = Static<typeof ListAnomaliesQuery>;

/** `POST /anomalies/{id}/acknowledge` and `.../resolve` body. */
export const AnomalyStateChange = Type.Object({ note: Type.Optional(Type.String({ maxLength: MAX_NOTE_LENGTH })) }, { additionalProperties: false });

/** An anomaly: what a detector found, its evidence in words, and who acknowledged and resolved it. */
export const Anomaly = Type.Object(
  {
    id: Type.String(),
    agent_id: Type.String(),
    detector: StringEnum(DETECTORS),
    severity: StringEnum(SEVERITIES),
    state: StringEnum(ANOMALY_STATES),
    evidence: Type.String(),
    details: JsonObject(),
    detected_at: Time,
    acknowledged_by: NullableString,
    acknowledged_at: NullableTime,
    resolved_by: NullableString,
    resolved_at: NullableTime,
    note: NullableString,
  },
  { additionalProperties: false, description: 'An anomaly of an agent\'s behaviour (docs/monitoring.md, "Anomalies").' },
);
export type Anomaly = Static<typeof Anomaly>;

/** A page of anomalies, newest first. */
export const AnomalyPage = Page(Anomaly);
export type AnomalyPage = Static<typeof AnomalyPage>;

/** The wire form of an anomaly. */
export function anomalyToJson(a: AnomalyRecord): Anomaly {
  return {
    id: a.id,
    agent_id: a.agentId,
    detector: a.detector as Anomaly['detector'],
    severity: a.severity,
    state: a.state,
    evidence: a.evidence,
    details: a.details,
    detected_at: rfc3339(a.detectedAt),
    acknowledged_by: a.acknowledgedBy,
    acknowledged_at: rfc3339OrNull(a.acknowledgedAt),
    resolved_by: a.resolvedBy,
    resolved_at: rfc3339OrNull(a.resolvedAt),
    note: a.note,
  };
}
