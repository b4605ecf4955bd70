import { auditNotification } from './notification-audit.js';
import type { Logger } from 'pino';
import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../clock.js';
import type { Random } from '../random.js';
import type { ApprovalRecord } from '../store/ports/approval-store.js';
import type { AgentRecord } from '../store/records.js';
import type { RetryingDelivery } from './retrying-delivery.js';
import { SIGNATURE_HEADER, signWebhookBody } from '../net/webhook-signature.js';

/** What happened to an approval, as the webhook names it. */
export type ApprovalEventType = 'approval.requested' | 'approval.approved' | 'approval.denied' | 'approval.expired';

/**
 * The approval webhook (docs/approvals.md, "Webhook"): every event of an approval (requested,
 * approved, denied, expired) POSTed as JSON that chat tools render as it is (`text`, the Slack
 * and Teams incoming-webhook field) and that programs read (`approval`), with a link to the
 * approval page where a signed-in person answers. Signed with HMAC-SHA256
 * ({@link signWebhookBody}), sent under the SSRF guard, retried; arrival and giving up are
 * audited as `approval.notified` and `approval.notification_failed`. No secret is in the body:
 * not the `auth_req_id`, not the notification token.
 */
export function approvalWebhook(deps: { url: string; secret: string; issuer: string; delivery: RetryingDelivery; audit: Pick<AuditLog, 'record'>; clock: Clock; random: Random; logger: Logger }) {
  return (type: ApprovalEventType, approval: ApprovalRecord, agent: Pick<AgentRecord, 'id' | 'name' | 'owner'> | undefined): void => {
    const now = deps.clock.now();
    const page = `${deps.issuer}/account/approvals`;
    const body = JSON.stringify({
      type,
      id: `evt_${deps.random.token(12)}`,
      time: new Date(now).toISOString(),
      text: summary(type, approval, agent, page),
      approval: {
        id: approval.id,
        status: approval.status,
        agent: agent === undefined ? { id: approval.agentId } : { id: agent.id, name: agent.name, owner: agent.owner },
        approver: approval.approver,
        binding_message: approval.bindingMessage,
        resource: approval.resource,
        scope: approval.scopes.join(' '),
        authorization_details: approval.authorizationDetails,
        expires_at: new Date(approval.expiresAt).toISOString(),
        ...(approval.decidedBy === null ? {} : { decided_by: approval.decidedBy }),
        ...(approval.reason === null ? {} : { reason: approval.reason }),
        url: page,
      },
    });
    deps.delivery.deliver({
      url: deps.url,
      body,
      contentType: 'application/json',
      headers: { [SIGNATURE_HEADER]: signWebhookBody(deps.secret, body, Math.floor(now / 1000)) },
      settled: auditNotification(deps, { approvalId: approval.id, agentId: approval.agentId, channel: 'webhook', url: deps.url, details: { event_type: type } }),
    });
  };
}

/**
 * The agent's own words (name, details, binding message, reason) with `&`, `<` and `>` escaped:
 * Slack's and Teams' text is markup, where `<https://evil|Approve here>` is a link.
 */
function plain(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/** One line a person reads in a chat: who asks what, and where to answer. */
function summary(type: ApprovalEventType, approval: ApprovalRecord, agent: Pick<AgentRecord, 'name'> | undefined, page: string): string {
  const who = plain(agent?.name ?? approval.agentId);
  const what = [
    ...approval.authorizationDetails.map((d) => `${d.type} ${Object.entries(d).filter(([k]) => k !== 'type' && k !== 'locations').map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ')}`.trim()),
    ...(approval.scopes.length === 0 ? [] : [`scope ${approval.scopes.join(' ')}`]),
  ]
    .map(plain)
    .join('; ');
  const message = approval.bindingMessage === null ? '' : ` (message: "${plain(approval.bindingMessage)}")`;
  switch (type) {
    case 'approval.requested':
      return `${who} asks for approval: ${what}${message}. Approve or deny at ${page} before ${new Date(approval.expiresAt).toISOString()}.`;
    case 'approval.approved':
      return `Approved: ${who}: ${what}${message}.`;
    case 'approval.denied':
      return `Denied: ${who}: ${what}${message}${approval.reason === null ? '' : `; reason: ${plain(approval.reason)}`}.`;
    case 'approval.expired':
      return `Expired unanswered (denied): ${who}: ${what}${message}.`;
  }
}
