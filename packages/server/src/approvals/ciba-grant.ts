import type { ApprovalRecord, ApprovalStore } from '../store/ports/approval-store.js';
import type { AuditInput } from '../store/records.js';
import type { GrantHandler } from '../oauth/grants/grant-handler.js';
import { approvalDenied, cibaTokenError, invalidGrant, invalidRequest } from '../oauth/oauth-error.js';
import { resolveGrant } from '../oauth/grants/resolve-grant.js';
import { authRequestHash } from './backchannel-authentication.js';

/** Longest `auth_req_id` looked up: ours are 43 characters. */
const MAX_AUTH_REQ_ID = 128;
/** Parameters the approval decides, never the token request. */
const DECIDED_BY_APPROVAL = ['scope', 'resource', 'authorization_details', 'audience'] as const;

/** What the CIBA grant needs. */
export interface CibaGrantDeps {
  store: Pick<ApprovalStore, 'getApprovalByRequestHash' | 'notePoll' | 'expireApproval' | 'consumeApproval'>;
  /** The issuer identifier, to tell the server's own resource from the agent's. */
  issuer: string;
  /** Lifetime of an approved token, seconds (`approvalTokenTtl`). */
  tokenTtl: number;
  /** The server's default token lifetime, for agents without their own. */
  accessTokenTtl: number;
  /** Told of each request this grant marks expired (the webhook). */
  onExpired?: (approval: ApprovalRecord) => void;
}

/**
 * The CIBA grant (OpenID CIBA Core 1.0 §10.1, `urn:openid:params:grant-type:ciba`): the agent
 * redeems its `auth_req_id`. Pending: `authorization_pending`, or `slow_down` when it polls faster
 * than the interval (one conditional write records the poll); expired (CIBA §11, fail closed):
 * `expired_token`, and a pending request is marked expired with its `approval.expired` record;
 * denied: `access_denied` with the person's reason; spent, unknown or another client's:
 * `invalid_grant`. Approved: the scopes and resource still within the agent's allow-list, spent once (one conditional write, approved → consumed), and the
 * token carries exactly the approved scopes and `authorization_details`, for the one resource, for
 * at most `tokenTtl` seconds.
 */
export function cibaGrant(deps: CibaGrantDeps): GrantHandler {
  return async ({ form, client, now, request }) => {
    const { agent } = client.client;
    for (const name of DECIDED_BY_APPROVAL) if (form.has(name)) throw invalidRequest(`${name} must not be sent with the CIBA grant: the approval decides what the token is for`);
    const authReqId = form.get('auth_req_id');
    if (authReqId === undefined || authReqId.length === 0) throw invalidRequest('auth_req_id is required (CIBA Core 1.0 section 10.1)');
    if (authReqId.length > MAX_AUTH_REQ_ID) throw invalidGrant('auth_req_id too long');
    const approval = await deps.store.getApprovalByRequestHash(authRequestHash(authReqId));
    if (approval === undefined || approval.agentId !== agent.id) throw invalidGrant(approval === undefined ? 'unknown auth_req_id' : 'auth_req_id of another client');

    const expired = approval.expiresAt <= now;
    if (approval.status === 'pending' && expired) {
      const record: AuditInput = {
        time: now,
        event: 'approval.expired',
        outcome: 'failure',
        agentId: agent.id,
        actor: 'system',
        sourceIp: request.sourceIp,
        reason: 'nobody answered before the request expired',
        requestId: request.requestId,
        details: { approval_id: approval.id, approver: approval.approver },
      };
      if (await deps.store.expireApproval(approval.id, now, [record])) deps.onExpired?.({ ...approval, status: 'expired' });
      throw cibaTokenError('expired_token', `approval ${approval.id} expired unanswered`);
    }
    switch (approval.status) {
      case 'expired':
        throw cibaTokenError('expired_token', `approval ${approval.id} expired unanswered`);
      case 'consumed':
        throw invalidGrant(`approval ${approval.id} already redeemed`);
      case 'denied': {
        const reason = approval.reason === null ? '' : `: ${approval.reason.slice(0, 200)}`;
        throw approvalDenied(`the person denied the request${reason}`, `approval ${approval.id} denied by user:${approval.decidedBy ?? ''}`);
      }
      case 'pending': {
        const polled = await deps.store.notePoll(approval.id, now, approval.intervalSeconds * 1000);
        if (!polled) throw cibaTokenError('slow_down', `approval ${approval.id} polled within ${approval.intervalSeconds}s`);
        throw cibaTokenError('authorization_pending', `approval ${approval.id} pending`);
      }
      case 'approved':
        break;
    }
    // Approved, but redeemed too late: the approval lives no longer than the request did.
    if (expired) throw cibaTokenError('expired_token', `approval ${approval.id} approved but redeemed after expiry`);
    // The agent's allow-list stays the upper bound: a scope or resource an operator took away
    // since the request is refused (invalid_scope, invalid_target), approval or not.
    resolveGrant(agent, deps.issuer, [approval.resource], approval.scopes.length === 0 ? undefined : approval.scopes.join(' '));
    if (!(await deps.store.consumeApproval(approval.id, now))) throw invalidGrant(`approval ${approval.id} already redeemed`);
    return {
      subject: agent.id,
      audience: [approval.resource],
      scopes: approval.scopes,
      ttl: Math.min(deps.tokenTtl, agent.accessTokenTtl ?? deps.accessTokenTtl),
      ...(approval.authorizationDetails.length === 0 ? {} : { authorizationDetails: approval.authorizationDetails }),
      approved: true,
      auditDetails: { approval_id: approval.id, approved_by: `user:${approval.decidedBy ?? ''}` },
    };
  };
}
