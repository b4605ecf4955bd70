import type { AuditEvent } from '../events/audit-events.js';
import type { AuditInput } from '../store/records.js';

/** Who asked for a change, for the audit record. Never carries a credential. */
export interface AuditContext {
  /** `admin:bootstrap`, `admin:<agent id>`, `user:<user id>` for a signed-in person, or `agent:<id>` for RFC 7592 self-management. */
  actor: string;
  sourceIp: string | null;
  requestId: string | null;
}

/**
 * The audit record of a successful change someone asked for: what the store writes in the
 * change's own transaction, so the change and its record commit together or not at all.
 */
export function changeRecord(time: number, event: AuditEvent, ctx: AuditContext, details: Record<string, unknown>, agentId: string | null): AuditInput {
  return { time, event, outcome: 'success', agentId, actor: ctx.actor, sourceIp: ctx.sourceIp, reason: null, requestId: ctx.requestId, details };
}
