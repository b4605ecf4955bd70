import type { AuditRecord as AuditRecordJson } from './wire/audit-record.js';
import type { AuditRecord } from '../store/records.js';

/**
 * Maps a stored record to its JSON form (docs/admin-api.md, docs/events.md): snake_case keys,
 * `time` as an RFC 3339 timestamp in UTC with milliseconds. Lossless: `Date.parse(json.time)`
 * gives back `record.time` exactly (records hold integer milliseconds), so a verifier can
 * recompute the hash chain from an export alone (docs/events.md, "Hash chain").
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
