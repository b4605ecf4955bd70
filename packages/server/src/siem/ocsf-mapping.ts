import type { AuditEvent } from '../events/audit-events.js';

/**
 * The OCSF 1.3 classes audit records are exported as (docs/monitoring.md, "SIEM export"):
 * Authentication (3002) and Account Change (3001) in Identity & Access Management (3), API
 * Activity (6003) in Application Activity (6).
 */
export const OCSF_CLASSES = {
  3001: { name: 'Account Change', categoryUid: 3, categoryName: 'Identity & Access Management' },
  3002: { name: 'Authentication', categoryUid: 3, categoryName: 'Identity & Access Management' },
  6003: { name: 'API Activity', categoryUid: 6, categoryName: 'Application Activity' },
} as const;

/** An OCSF class uid we export. */
export type OcsfClassUid = keyof typeof OCSF_CLASSES;

/** Each class's `activity_id` values as the OCSF 1.3 schema names them (99 is "Other" in every class). */
export const OCSF_ACTIVITIES: { readonly [C in OcsfClassUid]: Readonly<Record<number, string>> } = {
  3001: { 1: 'Create', 2: 'Enable', 3: 'Password Change', 4: 'Password Reset', 5: 'Disable', 6: 'Delete', 7: 'Attach Policy', 8: 'Detach Policy', 9: 'Lock', 10: 'MFA Factor Enable', 11: 'MFA Factor Disable', 99: 'Other' },
  3002: { 1: 'Logon', 2: 'Logoff', 3: 'Authentication Ticket', 4: 'Service Ticket Request', 5: 'Service Ticket Renew', 6: 'Preauth', 99: 'Other' },
  6003: { 1: 'Create', 2: 'Read', 3: 'Update', 4: 'Delete', 99: 'Other' },
};

/** Where one audit event goes: its OCSF class and activity. The status follows the record's outcome. */
export interface OcsfMapping {
  readonly classUid: OcsfClassUid;
  readonly activityId: number;
}

const LOGON: OcsfMapping = { classUid: 3002, activityId: 1 };
const LOGOFF: OcsfMapping = { classUid: 3002, activityId: 2 };
const TICKET: OcsfMapping = { classUid: 3002, activityId: 3 };
const AUTH_OTHER: OcsfMapping = { classUid: 3002, activityId: 99 };
const account = (activityId: number): OcsfMapping => ({ classUid: 3001, activityId });
const CREATE: OcsfMapping = { classUid: 6003, activityId: 1 };
const READ: OcsfMapping = { classUid: 6003, activityId: 2 };
const UPDATE: OcsfMapping = { classUid: 6003, activityId: 3 };
const DELETE: OcsfMapping = { classUid: 6003, activityId: 4 };
const API_OTHER: OcsfMapping = { classUid: 6003, activityId: 99 };

/**
 * Every audit event's OCSF class and activity. A total record over the closed event list, so a new
 * event does not compile until it is mapped here (and in the table of docs/monitoring.md, which a
 * test keeps in agreement). Authentications of agents, people, receivers and admins, and what they
 * are issued, are Authentication; the lifecycle of an account (an agent, a person, a credential) is
 * Account Change; every other change made through the admin API or by the server is API Activity.
 */
export const OCSF_MAPPING: { readonly [E in AuditEvent]: OcsfMapping } = {
  'access_token.issued': TICKET,
  'access_token.denied': TICKET,
  'access_token.revoked': LOGOFF,
  'access_token.introspected': READ,
  'client_authentication.failed': LOGON,
  'agent.registered': account(1),
  'agent.updated': account(99),
  'agent.suspended': account(5),
  'agent.resumed': account(2),
  'agent.disabled': account(5),
  'agent.deleted': account(6),
  'credential.added': account(99),
  'credential.removed': account(99),
  'signing_key.created': CREATE,
  'signing_key.rotated': UPDATE,
  'signing_key.retired': DELETE,
  'master_key.rotated': UPDATE,
  'admin.authentication_failed': LOGON,
  'admin_request.denied': API_OTHER,
  'client_registration.denied': API_OTHER,
  'rate_limit.exceeded': LOGON,
  'trusted_issuer.created': CREATE,
  'trusted_issuer.updated': UPDATE,
  'trusted_issuer.deleted': DELETE,
  'binding_rule.created': CREATE,
  'binding_rule.updated': UPDATE,
  'binding_rule.deleted': DELETE,
  'server.started': API_OTHER,
  'audit_checkpoint.created': CREATE,
  'audit_checkpoint.export_failed': API_OTHER,
  'ssf_stream.created': CREATE,
  'ssf_stream.updated': UPDATE,
  'ssf_stream.deleted': DELETE,
  'ssf_stream.expired': DELETE,
  'ssf_stream.status_updated': UPDATE,
  'ssf_stream.verification_requested': API_OTHER,
  'ssf_receiver.authentication_failed': LOGON,
  'security_event.push_failed': API_OTHER,
  'certificate.issued': TICKET,
  'certificate.denied': TICKET,
  'certificate.revoked': LOGOFF,
  'ca.created': CREATE,
  'ca.rotated': UPDATE,
  'ca.imported': CREATE,
  'enrollment_token.created': CREATE,
  'agent.enrolled': LOGON,
  'enrollment.failed': LOGON,
  'policy_set.applied': UPDATE,
  'access_evaluation.summarized': API_OTHER,
  'authzen_client.authentication_failed': LOGON,
  'login_provider.created': CREATE,
  'login_provider.updated': UPDATE,
  'login_provider.deleted': DELETE,
  'user.created': account(1),
  'user.updated': account(99),
  'user.suspended': account(5),
  'user.resumed': account(2),
  'user.disabled': account(5),
  'user.deleted': account(6),
  'user.password_set': account(3),
  'user.totp_offered': account(99),
  'user.totp_enrolled': account(10),
  'user.totp_reset': account(11),
  'user.locked': account(9),
  'user_login.password_accepted': { classUid: 3002, activityId: 6 },
  'user_login.failed': LOGON,
  'user_session.created': LOGON,
  'user_session.ended': LOGOFF,
  'passkey.registered': account(10),
  'passkey.registration_failed': account(99),
  'passkey.removed': account(11),
  'passkey.clone_suspected': LOGON,
  'public_client.registered': CREATE,
  'client_metadata.refused': API_OTHER,
  'authorization.denied': AUTH_OTHER,
  'authorization_code.issued': TICKET,
  'authorization_grant.revoked': DELETE,
  'consent.granted': CREATE,
  'consent.revoked': DELETE,
  'api_key.created': account(99),
  'api_key.rotated': account(99),
  'api_key.revoked': account(99),
  'delegation.created': CREATE,
  'delegation.resumed': UPDATE,
  'delegation.revoked': DELETE,
  'imported_key.imported': account(99),
  'imported_key.revoked': account(99),
  'imported_key.introspected': READ,
  'key_cutover.rule_set': UPDATE,
  'key_cutover.rule_cleared': DELETE,
  'key_cutover.stage_effective': UPDATE,
  'key_cutover.warned': LOGON,
  'key_cutover.blocked': LOGON,
  'key_cutover.notified': API_OTHER,
  'key_cutover.notification_failed': API_OTHER,
  'approval.requested': CREATE,
  'approval.refused': API_OTHER,
  'approval.approved': UPDATE,
  'approval.denied': UPDATE,
  'approval.expired': UPDATE,
  'approval.notified': API_OTHER,
  'approval.notification_failed': API_OTHER,
  'anomaly.detected': CREATE,
  'anomaly.acknowledged': UPDATE,
  'anomaly.resolved': UPDATE,
  'anomaly.notified': API_OTHER,
  'anomaly.notification_failed': API_OTHER,
};
