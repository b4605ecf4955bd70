import { Type, type Static } from 'typebox';
import { AUDIT_EVENTS } from '../../events/audit-events.js';
import { AgentId } from './agent.js';
import { Enum, JsonObject, NullableString, Page, pagination, StringEnum, Time } from './primitives.js';

/**
 * An audit record as the admin API and the export write it (docs/admin-api.md, docs/events.md):
 * `time` is RFC 3339 in UTC with milliseconds, so a verifier can recompute the hash chain from an
 * export alone.
 */
export const AuditRecord = Type.Object({
  seq: Type.Integer(),
  time: Time,
  event: Type.String(),
  outcome: Enum(['success', 'failure']),
  agent_id: NullableString,
  actor: NullableString,
  source_ip: NullableString,
  reason: NullableString,
  request_id: NullableString,
  details: JsonObject(),
  prev_hash: Type.String(),
  hash: Type.String(),
});
export type AuditRecord = Static<typeof AuditRecord>;

/** `GET /audit` answer. */
export const AuditPage = Page(AuditRecord);
export type AuditPage = Static<typeof AuditPage>;

const auditFilters = {
  agent_id: Type.Optional(AgentId),
  event: Type.Optional(StringEnum(AUDIT_EVENTS)),
  outcome: Type.Optional(StringEnum(['success', 'failure'])),
  from: Type.Optional(Type.String({ format: 'date-time' })),
  to: Type.Optional(Type.String({ format: 'date-time' })),
};

/** `GET /audit` query. */
export const AuditQuery = Type.Object({ ...auditFilters, ...pagination }, { additionalProperties: false });
export type AuditQuery = Static<typeof AuditQuery>;

/** `GET /audit/export` query: the same filters, no pages. */
export const AuditExportQuery = Type.Object(auditFilters, { additionalProperties: false });
export type AuditExportQuery = Static<typeof AuditExportQuery>;

/** The head of the chain: its last record, by `seq` and hash. */
export const AuditHead = Type.Object(
  {
    seq: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }),
    // base64url of a SHA-256 digest
    hash: Type.String({ pattern: '^[A-Za-z0-9_-]{43}$' }),
  },
  { additionalProperties: false },
);
export type AuditHead = Static<typeof AuditHead>;

/**
 * `POST /audit/verify` body (optional): the head an earlier verification printed, kept outside the
 * database, which the chain must still hold (docs/events.md, "Hash chain").
 */
export const VerifyAuditRequest = Type.Object({ expect_head: Type.Optional(AuditHead) }, { additionalProperties: false });
export type VerifyAuditRequest = Static<typeof VerifyAuditRequest>;

/** `POST /audit/verify` answer. */
export const AuditVerdict = Type.Object({
  ok: Type.Boolean(),
  records_checked: Type.Integer(),
  last_seq: Type.Optional(Type.Integer({ description: 'The head: the last record of the intact chain (0 for an empty log); absent when a link is broken.' })),
  last_hash: Type.Optional(Type.String({ description: "The head's hash ('' for an empty log)." })),
  first_bad_seq: Type.Optional(Type.Integer()),
  problem: Type.Optional(Enum(['edited', 'deleted', 'reordered', 'truncated', 'rewritten'])),
});
export type AuditVerdict = Static<typeof AuditVerdict>;
