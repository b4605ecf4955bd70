import type { Logger } from 'pino';
import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../clock.js';
import type { Random } from '../random.js';
import type { AnomalyRecord } from '../store/ports/anomaly-store.js';
import { SIGNATURE_HEADER, signWebhookBody } from '../net/webhook-signature.js';
import type { RetryingDelivery } from '../approvals/retrying-delivery.js';

/** Webhook posts waiting (in flight or for a retry) at most; past it a new anomaly's post is dropped and audited. */
export const MAX_PENDING_POSTS = 1000;

/**
 * The anomaly webhook (docs/monitoring.md, "Response"): each anomaly whose severity calls for it
 * POSTed as JSON (`text` for chat tools, `anomaly` for programs), signed like the approval webhook
 * (`X-AgentAuth-Signature: t=<unix>,v1=<HMAC-SHA256 of "<t>.<body>">`), through the SSRF guard,
 * retried by the approvals' `RetryingDelivery` (1, 5, 30 s). Arrival and giving up are audited as
 * `anomaly.notified` and `anomaly.notification_failed`; a post that finds the queue full is given
 * up at once. No secret is in the body.
 */
export function anomalyWebhook(deps: { url: string; secret: string; issuer: string; delivery: RetryingDelivery; audit: Pick<AuditLog, 'record'>; clock: Clock; random: Random; logger: Logger }) {
  const origin = new URL(deps.url).origin;
  const settled = (anomaly: AnomalyRecord) => async (outcome: { ok: true; attempts: number } | { ok: false; attempts: number; code: string }) => {
    if (!outcome.ok) deps.logger.warn({ anomaly: anomaly.id, code: outcome.code, attempts: outcome.attempts }, 'anomaly webhook failed');
    await deps.audit
      .record({
        time: deps.clock.now(),
        event: outcome.ok ? 'anomaly.notified' : 'anomaly.notification_failed',
        outcome: outcome.ok ? 'success' : 'failure',
        agentId: anomaly.agentId,
        actor: 'system',
        sourceIp: null,
        reason: outcome.ok ? null : `anomaly webhook: ${outcome.code}`,
        requestId: null,
        details: { anomaly_id: anomaly.id, channel: 'webhook', attempts: outcome.attempts, origin },
      })
      .catch((error: unknown) => deps.logger.error({ err: error }, 'auditing an anomaly webhook failed'));
  };
  return (anomaly: AnomalyRecord, agentName: string | undefined): void => {
    if (deps.delivery.pending >= MAX_PENDING_POSTS) {
      void settled(anomaly)({ ok: false, attempts: 0, code: 'queue_full' });
      return;
    }
    const now = deps.clock.now();
    const who = (agentName ?? anomaly.agentId).replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
    const body = JSON.stringify({
      type: 'anomaly.detected',
      id: `evt_${deps.random.token(12)}`,
      time: new Date(now).toISOString(),
      text: `Anomaly (${anomaly.severity}) of agent ${who}: ${anomaly.detector}: ${anomaly.evidence}.`,
      anomaly: {
        id: anomaly.id,
        agent_id: anomaly.agentId,
        detector: anomaly.detector,
        severity: anomaly.severity,
        state: anomaly.state,
        evidence: anomaly.evidence,
        details: anomaly.details,
        detected_at: new Date(anomaly.detectedAt).toISOString(),
        url: `${deps.issuer}/admin/v1/anomalies/${anomaly.id}`,
      },
    });
    deps.delivery.deliver({ url: deps.url, body, contentType: 'application/json', headers: { [SIGNATURE_HEADER]: signWebhookBody(deps.secret, body, Math.floor(now / 1000)) }, settled: settled(anomaly) });
  };
}
