import type { AuditInput } from '../store/records.js';
import type { CaRequestContext } from './certificate-authority-types.js';

/** An audit record of the CA, before its time and actor are filled in. */
export interface CaAuditEntry {
  event: AuditInput['event'];
  outcome?: 'success' | 'failure';
  agentId?: string | null;
  context: CaRequestContext;
  reason?: string;
  details: Record<string, unknown>;
}

/** The record at `now`: the actor is the request's, else the agent, else `system`; the reason bounded to 200 characters. */
export function caAuditInput(entry: CaAuditEntry, now: number): AuditInput {
  return {
    time: now,
    event: entry.event,
    outcome: entry.outcome ?? 'success',
    agentId: entry.agentId ?? null,
    actor: entry.context.actor ?? (entry.agentId === undefined || entry.agentId === null ? 'system' : `agent:${entry.agentId}`),
    sourceIp: entry.context.sourceIp ?? null,
    reason: entry.reason?.slice(0, 200) ?? null,
    requestId: entry.context.requestId ?? null,
    details: entry.details,
  };
}
