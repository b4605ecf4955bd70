import { createHash } from 'node:crypto';
import { GRANT_CIBA, type BackchannelAuthenticationResponse, type CibaDeliveryMode } from '@agentauth/protocol';
import type { CommitLog } from '../audit/commit-log.js';
import type { Clock } from '../clock.js';
import type { AuthenticatedClient, ClientAuthenticationDeps } from '../oauth/client-auth/authenticate-client.js';
import { authenticateClientWithinLimits } from '../oauth/client-auth/authenticate-within-limits.js';
import { auditRefusal, claimAuthenticated } from '../oauth/endpoints/audit-failure.js';
import { FormParameters } from '../oauth/form-parameters.js';
import { resolveGrant } from '../oauth/grants/resolve-grant.js';
import { approvalDenied, invalidBindingMessage, invalidRequest, invalidTarget, OAuthError, unauthorizedClient, unknownUserId } from '../oauth/oauth-error.js';
import { NO_STORE_HEADERS, type OAuthRequest, type OAuthResponse } from '../oauth/oauth-request.js';
import type { Random } from '../random.js';
import type { ApprovalRecord, ApprovalStore } from '../store/ports/approval-store.js';
import type { UserStore } from '../store/ports/user-store.js';
import type { AgentRecord, AuditInput } from '../store/records.js';
import { ownsAgent } from '../agents/agent-owner.js';
import { findPerson, resolveApprover, USER_PREFIX } from './approver.js';
import { parseAuthorizationDetails } from './authorization-details.js';
import type { DetailTypes } from './detail-types.js';
import { sealPingSecrets } from './ping-secrets.js';

/** Longest `binding_message` (CIBA Core 1.0 §7.1: "relatively small"): it must fit a phone's screen. */
export const MAX_BINDING_MESSAGE = 100;
/** Longest `client_notification_token` (CIBA Core 1.0 §7.1: at most 1024 characters). */
const MAX_NOTIFICATION_TOKEN = 1024;
/** Shortest: CIBA Core 1.0 §7.1 asks for 128 bits of entropy; 22 base64url characters hold them. */
const MIN_NOTIFICATION_TOKEN = 22;
/** Parameters of identity hints and signed requests this server does not accept. */
const UNSUPPORTED = ['id_token_hint', 'login_hint_token', 'request', 'user_code'] as const;
/**
 * Most requests one agent may have waiting at once: each one is a person's attention (and a
 * webhook post), and an agent that asks faster than people answer is fatiguing its approvers.
 */
export const MAX_PENDING_PER_AGENT = 20;

/** The settings of approvals (config: `approvalExpiry`, `approvalPollInterval`, `approvalSeparationOfDuties`, `approvalApproverGroups`). */
export interface ApprovalSettings {
  /** Longest life of a request, seconds. */
  expiry: number;
  /** Seconds between polls. */
  interval: number;
  separationOfDuties: boolean;
  /** Groups whose members any agent may name with `login_hint`, besides its owner and owner group. */
  approverGroups: readonly string[];
}

export interface BackchannelDeps extends ClientAuthenticationDeps {
  clock: Clock;
  random: Random;
  commitLog: Pick<CommitLog, 'commit'>;
  store: Pick<ApprovalStore, 'createApproval' | 'countPendingApprovals'> & Pick<UserStore, 'getUser' | 'getUserByEmail'>;
  types: DetailTypes;
  settings: ApprovalSettings;
  /** Seals ping-mode notification tokens at rest. */
  masterKey: Buffer;
  /** Told of each request once it is stored (the webhook). */
  onRequested?: (approval: ApprovalRecord, agent: AgentRecord) => void;
}

/** SHA-256 of an `auth_req_id`, base64url: how the store finds it. */
export function authRequestHash(authReqId: string): string {
  return createHash('sha256').update(authReqId, 'utf8').digest('base64url');
}


/**
 * The backchannel authentication endpoint (OpenID CIBA Core 1.0 §7): an agent asks a person to
 * approve a specific action. The steps: parse the form strictly; authenticate the client as at the
 * token endpoint (private_key_jwt, mTLS, ...); the agent must be registered for the CIBA grant;
 * resolve the one resource and the scopes within its allow-list (`openid` is ignored: no ID token
 * is issued); check `authorization_details` against their types (RFC 9396); check
 * `binding_message`, `requested_expiry` and, in ping mode, `client_notification_token`; name the
 * approver (`login_hint`, else the owner) and apply separation of duties; then spend the client
 * assertion (its single-use claim), and only then store the request with its `approval.requested`
 * record in one transaction: a crash between the two burns the assertion and creates nothing.
 *
 * The `auth_req_id` is 256 random bits, returned once and stored by SHA-256. Every refusal is
 * audited as `approval.refused` and creates nothing.
 */
export async function handleBackchannelAuthentication(deps: BackchannelDeps, request: OAuthRequest): Promise<OAuthResponse> {
  const now = deps.clock.now();
  let authenticated: AuthenticatedClient | undefined;
  try {
    const form = FormParameters.parse(request.body);
    if (form instanceof OAuthError) throw form;
    authenticated = await authenticateClientWithinLimits(deps, form, request);
    for (const name of UNSUPPORTED) if (form.has(name)) throw invalidRequest(`${name} is not supported: name the approver with login_hint (an email or user id), or omit it for the agent's owner`);
    if (form.has('grant_type')) throw invalidRequest('grant_type is a token endpoint parameter, not a backchannel authentication one');
    const { agent } = authenticated.client;
    if (!(agent.grantTypes as readonly string[]).includes(GRANT_CIBA)) throw unauthorizedClient(`${GRANT_CIBA} not allowed for this agent`);

    const rawScope = form.get('scope');
    const scope = rawScope === undefined ? undefined : rawScope.split(' ').filter((s) => s !== 'openid').join(' ');
    const rawDetails = form.get('authorization_details');
    if ((scope === undefined || scope === '') && rawDetails === undefined) {
      throw invalidRequest('scope or authorization_details is required: say what the person is asked to approve (CIBA Core 1.0 section 7.1, RFC 9396)');
    }
    const grant = resolveGrant(agent, deps.issuer, form.getAll('resource'), scope === '' ? undefined : scope);
    if (grant.forServer) throw invalidTarget('resource: approvals are for a resource of the agent, not for the issuer itself');
    if (grant.audience.length !== 1) throw invalidTarget('resource: an approved token is for exactly one resource');
    const resource = grant.audience[0] as string;
    const scopes = scope === undefined || scope === '' ? [] : grant.scopes;
    const authorizationDetails = rawDetails === undefined ? [] : parseAuthorizationDetails(rawDetails, deps.types, resource);

    const bindingMessage = form.get('binding_message');
    if (bindingMessage !== undefined && (bindingMessage.length === 0 || bindingMessage.length > MAX_BINDING_MESSAGE || /[\p{Cc}\p{Cf}]/u.test(bindingMessage))) {
      throw invalidBindingMessage(`binding_message must be 1 to ${MAX_BINDING_MESSAGE} characters without control characters`);
    }
    const expiresIn = requestedExpiry(form.get('requested_expiry'), deps.settings.expiry);
    const mode: CibaDeliveryMode = agent.backchannelTokenDeliveryMode ?? 'poll';
    const notificationToken = form.get('client_notification_token');
    if (mode === 'ping') {
      if (notificationToken === undefined) throw invalidRequest('client_notification_token is required: this client is registered for ping delivery (CIBA Core 1.0 section 7.1)');
      if (notificationToken.length < MIN_NOTIFICATION_TOKEN || notificationToken.length > MAX_NOTIFICATION_TOKEN || !/^[\x21-\x7E]+$/.test(notificationToken)) {
        throw invalidRequest(`client_notification_token must be ${MIN_NOTIFICATION_TOKEN} to ${MAX_NOTIFICATION_TOKEN} printable characters (CIBA Core 1.0 section 7.1: 128 bits of entropy at least)`);
      }
    }

    const loginHint = form.get('login_hint');
    const approver = await resolveApprover(deps.store, agent, loginHint, deps.settings.approverGroups);
    // One answer for a person who does not exist and one the agent may not name: an agent learns
    // nothing about who else is in the directory.
    if (approver === undefined) throw unknownUserId(loginHint === undefined ? `owner ${agent.owner.slice(0, 100)} names no active person or group` : 'login_hint names no active person this agent may name as its approver');
    if (deps.settings.separationOfDuties && approver.startsWith(USER_PREFIX)) {
      const person = await findPerson(deps.store, approver.slice(USER_PREFIX.length));
      if (person !== undefined && ownsAgent(person, agent)) {
        throw approvalDenied('separation of duties: the agent\'s owner may not approve its requests; name another approver with login_hint', `approver ${approver} owns agent ${agent.id}`);
      }
    }

    if ((await deps.store.countPendingApprovals(agent.id, deps.clock.now(), MAX_PENDING_PER_AGENT)) >= MAX_PENDING_PER_AGENT) {
      throw approvalDenied(
        `this agent already has ${MAX_PENDING_PER_AGENT} approval requests waiting: wait for their answers or let them expire`,
        `${MAX_PENDING_PER_AGENT} approvals pending for agent ${agent.id}`,
      );
    }

    const authReqId = deps.random.token(32);
    const id = `apr_${deps.random.token(12)}`;
    const record: ApprovalRecord = {
      id,
      requestHash: authRequestHash(authReqId),
      agentId: agent.id,
      approver,
      resource,
      scopes,
      authorizationDetails,
      bindingMessage: bindingMessage ?? null,
      deliveryMode: mode,
      pingSecrets: mode === 'ping' ? sealPingSecrets(deps.masterKey, id, { notificationToken: notificationToken as string, authReqId }) : null,
      intervalSeconds: deps.settings.interval,
      status: 'pending',
      reason: null,
      decidedBy: null,
      decidedAt: null,
      lastPolledAt: null,
      createdAt: now,
      expiresAt: now + expiresIn * 1000,
    };
    const requested: AuditInput = {
      time: now,
      event: 'approval.requested',
      outcome: 'success',
      agentId: agent.id,
      actor: `agent:${agent.id}`,
      sourceIp: request.sourceIp,
      reason: null,
      requestId: request.requestId,
      details: {
        approval_id: id,
        approver,
        resource,
        scope: scopes.join(' '),
        authorization_details: authorizationDetails,
        ...(bindingMessage === undefined ? {} : { binding_message: bindingMessage }),
        delivery_mode: mode,
        expires_at: record.expiresAt,
        auth_method: authenticated.method,
      },
    };
    await claimAuthenticated(deps.commitLog, authenticated.replayClaim, requested);
    await deps.store.createApproval(record, [requested]);
    deps.onRequested?.(record, agent);
    const body: BackchannelAuthenticationResponse = { auth_req_id: authReqId, expires_in: expiresIn, interval: deps.settings.interval };
    return { status: 200, body, headers: { ...NO_STORE_HEADERS } };
  } catch (error) {
    return auditRefusal(deps.commitLog, request, error, {
      event: 'approval.refused',
      agentId: authenticated?.client.agent.id,
      now,
      claim: authenticated?.replayClaim,
      details: { step: 'request' },
    });
  }
}

/** CIBA Core 1.0 §7.1 `requested_expiry`: a positive integer of seconds, at most the server's longest. */
function requestedExpiry(raw: string | undefined, longest: number): number {
  if (raw === undefined) return longest;
  if (!/^[1-9][0-9]{0,5}$/.test(raw)) throw invalidRequest('requested_expiry must be a positive integer of seconds');
  const seconds = Number(raw);
  if (seconds > longest) throw invalidRequest(`requested_expiry must be at most ${longest} seconds`);
  return seconds;
}
