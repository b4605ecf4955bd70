import type { Logger } from 'pino';
import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../clock.js';
import type { ApprovalRecord } from '../store/ports/approval-store.js';
import type { AgentRecord } from '../store/records.js';
import { openPingSecrets } from './ping-secrets.js';
import { auditNotification } from './notification-audit.js';
import type { RetryingDelivery } from './retrying-delivery.js';

/**
 * CIBA Core 1.0 §10.2 ping callbacks: once a ping-mode request is answered (approved or denied),
 * POST `{"auth_req_id": ...}` to the agent's registered `backchannel_client_notification_endpoint`
 * with its `client_notification_token` as Bearer token, under the SSRF guard, retried. Arrival is
 * audited as `approval.notified`, giving up as `approval.notification_failed`; neither changes the
 * approval (the agent can still poll).
 */
export function pingNotifier(deps: { masterKey: Buffer; delivery: RetryingDelivery; audit: Pick<AuditLog, 'record'>; clock: Clock; logger: Logger }) {
  return (approval: ApprovalRecord, agent: Pick<AgentRecord, 'id' | 'backchannelClientNotificationEndpoint'>): void => {
    const endpoint = agent.backchannelClientNotificationEndpoint;
    if (approval.deliveryMode !== 'ping' || approval.pingSecrets === null || endpoint === null || endpoint === undefined) return;
    const secrets = openPingSecrets(deps.masterKey, approval.id, approval.pingSecrets);
    deps.delivery.deliver({
      url: endpoint,
      body: JSON.stringify({ auth_req_id: secrets.authReqId }),
      contentType: 'application/json',
      headers: { authorization: `Bearer ${secrets.notificationToken}` },
      settled: auditNotification(deps, { approvalId: approval.id, agentId: agent.id, channel: 'ping', url: endpoint }),
    });
  };
}
