import { SCOPE_INTROSPECT, type IntrospectionResponse } from '@agentauth/protocol';
import type { CommitLog } from '../../audit/commit-log.js';
import type { Clock } from '../../clock.js';
import type { AuditInput } from '../../store/records.js';
import type { SigningKeyRing } from '../../keys/signing-key-ring.js';
import type { LineageReader } from '../exchange/lineage-activity.js';
import type { AuthenticatedClient, ClientAuthenticationDeps } from '../client-auth/authenticate-client.js';
import { NO_STORE_HEADERS, type OAuthRequest, type OAuthResponse } from '../oauth-request.js';
import type { TokenDigester } from '../../tokens/token-digest.js';
import { checkOwnAccessToken, PresentedToken } from '../own-access-token.js';
import { readTokenParameterRequest } from './token-parameter-request.js';
import { auditRefusal, commitAuthenticated } from './audit-failure.js';
import { isTokenActive } from './token-activity.js';

export interface IntrospectionEndpointDeps extends ClientAuthenticationDeps {
  clock: Clock;
  keys: Pick<SigningKeyRing, 'publicKey'>;
  /** The store itself: a person's token is active only where it can read people (`LineageReader`). */
  store: LineageReader;
  /** Recognises our tokens by the digest kept at issuance (`checkOwnAccessToken`). */
  digester: Pick<TokenDigester, 'matches'>;
  commitLog: Pick<CommitLog, 'commit'>;
  /** Managed API keys presented to a service during a migration window (docs/migration.md); without it, keys are inactive. */
  apiKeys?: KeyIntrospection;
}

/**
 * Introspects a managed API key: undefined when `token` is not one (then it is read as an access
 * token), else the answer, the private reason and non-secret audit details. `api-keys/`
 * implements it.
 */
export type KeyIntrospection = (token: string, now: number, request: KeyIntrospectionRequest) => Promise<{ body: IntrospectionResponse; reason: string; details: Record<string, unknown> } | undefined>;

/** What a key's introspection knows of the request: who asks, and for which resources. */
export interface KeyIntrospectionRequest {
  /** The `resource` parameters (RFC 8707) the asking service names: its own identifier. */
  resources: readonly string[];
  callerId: string;
  sourceIp: string | null;
  requestId: string;
}

const INACTIVE: IntrospectionResponse = { active: false };

/**
 * `POST /introspect` (RFC 7662 §2). Client authentication is required (§2.1). A caller may
 * introspect a token if it is allowed the scope `agentauth:introspect`, or if the token was issued
 * to it. An inactive, unknown or not-permitted token gets exactly `{"active": false}` (§2.2), so
 * the answer never tells a caller more than it may know.
 */
export async function handleIntrospectionRequest(deps: IntrospectionEndpointDeps, request: OAuthRequest): Promise<OAuthResponse> {
  const now = deps.clock.now();
  let authenticated: AuthenticatedClient | undefined;
  try {
    const { authenticated: client, token, caller, form } = await readTokenParameterRequest(deps, request, (known) => (authenticated = known));

    // A key was issued to no caller: only a service allowed to introspect may ask about one.
    const keyRequest = { resources: form.getAll('resource'), callerId: caller.id, sourceIp: request.sourceIp, requestId: request.requestId };
    const key = caller.scopes.includes(SCOPE_INTROSPECT) ? await deps.apiKeys?.(token, now, keyRequest) : undefined;
    if (key !== undefined) {
      await commitAuthenticated(deps.commitLog, client.replayClaim, {
        time: now,
        event: 'access_token.introspected',
        outcome: 'success',
        agentId: caller.id,
        actor: `agent:${caller.id}`,
        sourceIp: request.sourceIp,
        reason: key.reason,
        requestId: request.requestId,
        details: { active: key.body.active, ...key.details },
      });
      return { status: 200, body: key.body, headers: { ...NO_STORE_HEADERS } };
    }

    let body: IntrospectionResponse = INACTIVE;
    let reason: string;
    const { result: verified, state } = await checkOwnAccessToken(PresentedToken.of(token), { issuer: deps.issuer, keys: deps.keys, nowMs: now, tokens: deps.store, digester: deps.digester });
    if (verified.status !== 'valid') {
      reason = verified.status === 'expired' ? 'token expired' : verified.reason;
    } else if (!caller.scopes.includes(SCOPE_INTROSPECT) && verified.claims.client_id !== caller.id) {
      reason = 'caller may not introspect this token';
    } else {
      const activity = await isTokenActive(deps.store, verified.claims, state);
      if (activity.active) {
        // RFC 9449 §6.2: a DPoP-bound token introspects as token_type DPoP, with its cnf.jkt.
        body = { ...verified.claims, active: true, token_type: verified.claims.cnf?.jkt === undefined ? 'Bearer' : 'DPoP' };
        reason = 'active';
      } else {
        reason = activity.reason;
      }
    }

    const record: AuditInput = {
      time: now,
      event: 'access_token.introspected',
      outcome: 'success',
      agentId: caller.id,
      actor: `agent:${caller.id}`,
      sourceIp: request.sourceIp,
      reason,
      requestId: request.requestId,
      details: { active: body.active, ...(verified.status !== 'invalid' ? { jti: verified.claims.jti, token_agent_id: verified.claims.sub } : {}) },
    };
    await commitAuthenticated(deps.commitLog, client.replayClaim, record);
    return { status: 200, body, headers: { ...NO_STORE_HEADERS } };
  } catch (error) {
    return auditRefusal(deps.commitLog, request, error, { event: 'access_token.introspected', agentId: authenticated?.client.agent.id, now, claim: authenticated?.replayClaim });
  }
}
