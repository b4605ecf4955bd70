import type { Logger } from 'pino';
import type { CommitLog } from '../audit/commit-log.js';
import { ApprovalService } from '../approvals/approval-service.js';
import { approvalGate } from '../approvals/approval-gate.js';
import { handleBackchannelAuthentication } from '../approvals/backchannel-authentication.js';
import { cibaGrant } from '../approvals/ciba-grant.js';
import { readDetailTypes, type DetailTypes } from '../approvals/detail-types.js';
import { pingNotifier } from '../approvals/ping-notifier.js';
import { RetryingDelivery } from '../approvals/retrying-delivery.js';
import { approvalWebhook } from '../approvals/approval-webhook.js';
import type { ApprovalRecord } from '../store/ports/approval-store.js';
import type { AgentRecord } from '../store/records.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config/config.js';
import { createGuardedPost } from '../net/guarded-post.js';
import type { ClientAuthenticationDeps } from '../oauth/client-auth/authenticate-client.js';
import type { ApprovalGate } from '../oauth/grants/approval-gate.js';
import type { GrantHandler } from '../oauth/grants/grant-handler.js';
import type { OAuthRequest, OAuthResponse } from '../oauth/oauth-request.js';
import type { Random } from '../random.js';
import type { Store } from '../store/store.js';
import type { Lifecycle } from './lifecycle.js';

/** Approvals of risky actions (docs/approvals.md), as the other parts take them. */
export interface Approvals {
  /** What needs approval, for the grants that issue without one. */
  gate: ApprovalGate;
  /** The CIBA grant. */
  grant: GrantHandler;
  /** The configured RFC 9396 detail types. */
  types: DetailTypes;
  /** The backchannel authentication endpoint, given the token endpoint's client authentication. */
  backchannel(clientAuth: ClientAuthenticationDeps): (request: OAuthRequest) => Promise<OAuthResponse>;
  /** The approver's side: the approval page. */
  service: ApprovalService;
  /** Ping callbacks and webhook posts in flight (tests wait for them). */
  delivery: RetryingDelivery;
}

/**
 * Approvals: the detail types file (read and checked before the first request: a bad file stops
 * the start), what needs approval, the CIBA endpoint and grant, the approver's service, and the
 * ping callbacks and the webhook (when configured) over the SSRF-guarded post, retried, stopped at
 * shutdown.
 */
export function wireApprovals(deps: { config: Config; clock: Clock; random: Random; logger: Logger; store: Store; masterKey: Buffer; commitLog: CommitLog; lifecycle: Lifecycle }): Approvals {
  const { config, clock, store, masterKey, commitLog } = deps;
  const types = readDetailTypes(config.approvalTypesFile);
  const delivery = new RetryingDelivery(createGuardedPost({ allowPrivateNetworks: config.approvalAllowPrivateCallbacks }));
  deps.lifecycle.onClose('approval notifications', () => delivery.close());
  const ping = pingNotifier({ masterKey, delivery, audit: commitLog, clock, logger: deps.logger });
  const webhookUrl = config.approvalWebhook;
  if (webhookUrl !== undefined && config.approvalWebhookSecret === undefined) throw new TypeError('AGENTAUTH_APPROVAL_WEBHOOK needs AGENTAUTH_APPROVAL_WEBHOOK_SECRET: its posts are signed (docs/approvals.md)');
  const webhook =
    webhookUrl === undefined
      ? undefined
      : approvalWebhook({ url: webhookUrl, secret: config.approvalWebhookSecret as string, issuer: config.issuer, delivery, audit: commitLog, clock, random: deps.random, logger: deps.logger });
  const agentOf = async (id: string) => store.getAgent(id).catch(() => undefined);
  const onExpired = (approval: ApprovalRecord) => {
    if (webhook !== undefined) void agentOf(approval.agentId).then((agent) => webhook('approval.expired', approval, agent));
  };
  const settings = { expiry: config.approvalExpiry, interval: config.approvalPollInterval, separationOfDuties: config.approvalSeparationOfDuties, approverGroups: config.approvalApproverGroups };
  return {
    gate: approvalGate({ scopes: config.approvalScopes, types }),
    grant: cibaGrant({ store, issuer: config.issuer, tokenTtl: config.approvalTokenTtl, accessTokenTtl: config.accessTokenTtl, onExpired }),
    types,
    backchannel: (clientAuth) => {
      const handlerDeps = {
        ...clientAuth,
        clock,
        random: deps.random,
        commitLog,
        store,
        types,
        settings,
        masterKey,
        ...(webhook === undefined ? {} : { onRequested: (approval: ApprovalRecord, agent: AgentRecord) => webhook('approval.requested', approval, agent) }),
      };
      return (request) => handleBackchannelAuthentication(handlerDeps, request);
    },
    service: new ApprovalService({
      clock,
      store,
      agents: store,
      separationOfDuties: config.approvalSeparationOfDuties,
      // The answer is stored by now: a notification that cannot even start (a ping secret that
      // does not open) is logged, never turned into an error page for the person who answered.
      onAnswered: (approval, agent) => {
        try {
          if (agent !== undefined) ping(approval, agent);
        } catch (error) {
          deps.logger.error({ err: error, approvalId: approval.id }, 'the CIBA ping for an answered approval could not be sent');
        }
        webhook?.(approval.status === 'approved' ? 'approval.approved' : 'approval.denied', approval, agent);
      },
      onExpired,
    }),
    delivery,
  };
}
