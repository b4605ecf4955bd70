import type { AuditOutcome, AuditRecord } from '../store/records.js';

/**
 * An audit record as the admin API and the export write it (docs/admin-api.md, docs/events.md):
 * snake_case keys, `time` as an RFC 3339 timestamp in UTC with milliseconds.
 */
export interface AuditRecordJson {
  seq: number;
  /** RFC 3339 §5.6 `date-time`, UTC, millisecond precision (`2026-01-01T00:00:00.000Z`). */
  time: string;
  event: string;
  outcome: AuditOutcome;
  agent_id: string | null;
  actor: string | null;
  source_ip: string | null;
  reason: string | null;
  request_id: string | null;
  details: Record<string, unknown>;
  prev_hash: string;
  hash: string;
}

/**
 * Maps a stored record to its JSON form. Lossless: `Date.parse(json.time)` gives back `record.time`
 * exactly (records hold integer milliseconds), so a verifier can recompute the hash chain from an
 * export alone (docs/events.md, "Hash chain").
 */
export function auditRecordToJson(record: AuditRecord): AuditRecordJson {
  return {
    seq: record.seq,
    time: new Date(record.time).toISOString(),
    event: record.event,
    outcome: record.outcome,
    agent_id: record.agentId,
    actor: record.actor,
    source_ip: record.sourceIp,
    reason: record.reason,
    request_id: record.requestId,
    details: record.details,
    prev_hash: record.prevHash,
    hash: record.hash,
  };
}
