import type { AuditRecord } from '../store/records.js';
import { OCSF_ACTIVITIES, OCSF_CLASSES, OCSF_MAPPING } from './ocsf-mapping.js';

/** The OCSF schema version the exported events follow. */
export const OCSF_VERSION = '1.3.0';

/** The product every event names in `metadata.product`. */
export const OCSF_PRODUCT = { name: 'agentauth', vendor_name: 'agentauth' } as const;

/** OCSF `severity_id` values we use (Informational, Low, Medium). */
export type OcsfSeverityId = 1 | 2 | 3;
const SEVERITY_NAMES: Readonly<Record<OcsfSeverityId, string>> = { 1: 'Informational', 2: 'Low', 3: 'Medium' };

/** An OCSF `user` object: who acted, or whom an authentication or account change is about. */
export interface OcsfUser {
  uid?: string;
  /** OCSF `type_id`: 0 Unknown, 1 User, 2 Admin, 3 System, 99 Other (an agent). */
  type_id: 0 | 1 | 2 | 3 | 99;
  type: string;
}

/** One exported event (docs/monitoring.md, "SIEM export"): the OCSF base event and the class attributes we fill. */
export interface OcsfEvent {
  class_uid: number;
  class_name: string;
  category_uid: number;
  category_name: string;
  activity_id: number;
  activity_name: string;
  /** `class_uid * 100 + activity_id`. */
  type_uid: number;
  type_name: string;
  /** Milliseconds since the epoch (OCSF `timestamp_t`). */
  time: number;
  severity_id: OcsfSeverityId;
  severity: string;
  /** 1 Success, 2 Failure. */
  status_id: 1 | 2;
  status: 'Success' | 'Failure';
  /** The record's machine-readable reason, if any (never a secret). */
  status_detail?: string;
  /** The audit event name (docs/events.md). */
  message: string;
  metadata: {
    version: string;
    product: typeof OCSF_PRODUCT;
    log_name: 'audit';
    /** The audit record's seq: unique and ordered, what a receiver de-duplicates on. */
    uid: string;
    sequence: number;
    event_code: string;
    correlation_uid?: string;
  };
  actor: { user?: OcsfUser; app_name?: string };
  src_endpoint: { ip?: string };
  /** Authentication and Account Change: whom it is about. */
  user?: OcsfUser;
  /** API Activity: the operation (the audit event name). */
  api?: { operation: string; service: { name: 'agentauth' } };
  /** Authentication of OAuth 2.0 clients: `auth_protocol_id` 6. */
  auth_protocol_id?: number;
  auth_protocol?: string;
  /** What OCSF has no place for: the record's details, its subject and its hash chain links. */
  unmapped: { agent_id: string | null; actor: string | null; details: Record<string, unknown>; hash: string; prev_hash: string };
}

/** The events whose subject authenticated with an OAuth 2.0 client credential or was issued an OAuth token. */
const OAUTH_EVENTS: ReadonlySet<string> = new Set(['access_token.issued', 'access_token.denied', 'access_token.revoked', 'client_authentication.failed', 'authorization_code.issued']);

/**
 * Who a principal string names (`agent:<id>`, `admin:bootstrap`, `admin:<agent id>`,
 * `user:<id>`, `system`), as an OCSF user.
 */
export function ocsfUser(principal: string): OcsfUser {
  const colon = principal.indexOf(':');
  const kind = colon === -1 ? principal : principal.slice(0, colon);
  const uid = colon === -1 ? undefined : principal.slice(colon + 1);
  const withUid = <U extends OcsfUser>(user: U): U => (uid === undefined ? user : { ...user, uid });
  switch (kind) {
    case 'agent':
      return withUid({ type_id: 99, type: 'Agent' });
    case 'user':
      return withUid({ type_id: 1, type: 'User' });
    case 'admin':
      return withUid({ type_id: 2, type: 'Admin' });
    case 'system':
      return { type_id: 3, type: 'System' };
    default:
      return { uid: principal, type_id: 0, type: 'Unknown' };
  }
}

/**
 * One audit record as an OCSF 1.3 event: class and activity from {@link OCSF_MAPPING}, status from
 * the outcome, severity Informational for a success, Medium for a failed authentication and Low
 * for any other failure. It carries what the record holds and nothing else, so it holds no secret
 * (audit records never do: ARCHITECTURE.md, "Security rules").
 */
export function toOcsfEvent(record: AuditRecord): OcsfEvent {
  const { classUid, activityId } = OCSF_MAPPING[record.event];
  const klass = OCSF_CLASSES[classUid];
  const activityName = OCSF_ACTIVITIES[classUid][activityId] ?? 'Other';
  const failed = record.outcome === 'failure';
  const severityId: OcsfSeverityId = !failed ? 1 : classUid === 3002 ? 3 : 2;
  const subject = record.agentId !== null ? ocsfUser(`agent:${record.agentId}`) : record.actor !== null ? ocsfUser(record.actor) : { type_id: 0 as const, type: 'Unknown' };
  const actor = record.actor === null ? {} : record.actor === 'system' ? { user: ocsfUser('system'), app_name: 'agentauth' } : { user: ocsfUser(record.actor) };
  return {
    class_uid: classUid,
    class_name: klass.name,
    category_uid: klass.categoryUid,
    category_name: klass.categoryName,
    activity_id: activityId,
    activity_name: activityName,
    type_uid: classUid * 100 + activityId,
    type_name: `${klass.name}: ${activityName}`,
    time: record.time,
    severity_id: severityId,
    severity: SEVERITY_NAMES[severityId],
    status_id: failed ? 2 : 1,
    status: failed ? 'Failure' : 'Success',
    ...(record.reason === null ? {} : { status_detail: record.reason }),
    message: record.event,
    metadata: {
      version: OCSF_VERSION,
      product: OCSF_PRODUCT,
      log_name: 'audit',
      uid: String(record.seq),
      sequence: record.seq,
      event_code: record.event,
      ...(record.requestId === null ? {} : { correlation_uid: record.requestId }),
    },
    actor,
    src_endpoint: record.sourceIp === null ? {} : { ip: record.sourceIp },
    ...(classUid === 6003 ? { api: { operation: record.event, service: { name: 'agentauth' as const } } } : { user: subject }),
    ...(OAUTH_EVENTS.has(record.event) ? { auth_protocol_id: 6, auth_protocol: 'OAUTH 2.0' } : {}),
    unmapped: { agent_id: record.agentId, actor: record.actor, details: record.details, hash: record.hash, prev_hash: record.prevHash },
  };
}
