import type { Logger } from 'pino';
import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../clock.js';
import type { RetryingDelivery } from './retrying-delivery.js';

type Settled = Parameters<RetryingDelivery['deliver']>[0]['settled'];

/**
 * What a notification of an approval (a CIBA ping callback, the approval webhook) does once its
 * delivery settles: a warning when it gave up, and `approval.notified` or
 * `approval.notification_failed` with the channel, the attempts and the receiver's origin (never
 * its full URL, which may hold a credential). A failure to audit is logged, never thrown.
 */
export function auditNotification(
  deps: { audit: Pick<AuditLog, 'record'>; clock: Clock; logger: Logger },
  notice: { approvalId: string; agentId: string; channel: 'ping' | 'webhook'; url: string; details?: Record<string, unknown> },
): Settled {
  const what = notice.channel === 'ping' ? 'CIBA ping callback' : 'approval webhook';
  return async (outcome) => {
    if (!outcome.ok) deps.logger.warn({ approval: notice.approvalId, code: outcome.code, attempts: outcome.attempts }, `${what} failed`);
    await deps.audit
      .record({
        time: deps.clock.now(),
        event: outcome.ok ? 'approval.notified' : 'approval.notification_failed',
        outcome: outcome.ok ? 'success' : 'failure',
        agentId: notice.agentId,
        actor: 'system',
        sourceIp: null,
        reason: outcome.ok ? null : `${notice.channel === 'ping' ? 'ping callback' : 'webhook'}: ${outcome.code}`,
        requestId: null,
        details: { approval_id: notice.approvalId, channel: notice.channel, ...notice.details, attempts: outcome.attempts, origin: new URL(notice.url).origin },
      })
      .catch((error: unknown) => deps.logger.error({ err: error }, `auditing a ${what} failed`));
  };
}
