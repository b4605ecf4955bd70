/**
 * Every audit event name, `<noun>.<past_verb>`. This list is closed: docs/events.md lists the
 * same names, and a test keeps the two in agreement in both directions.
 */
export const AUDIT_EVENTS = [
  'access_token.issued',
  'access_token.denied',
  'access_token.revoked',
  'access_token.introspected',
  'client_authentication.failed',
  'agent.registered',
  'agent.updated',
  'agent.suspended',
  'agent.resumed',
  'agent.disabled',
  'agent.deleted',
  'credential.added',
  'credential.removed',
  'signing_key.created',
  'signing_key.rotated',
  'signing_key.retired',
  'admin.authentication_failed',
  'server.started',
] as const;

export type AuditEvent = (typeof AUDIT_EVENTS)[number];
