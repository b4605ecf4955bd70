import { type AccessTokenClaims, type TokenResponse } from '@agentauth/protocol';
import type { CommitLog } from '../../audit/commit-log.js';
import type { CommitUnit } from '../../store/ports/commit-store.js';
import type { Clock } from '../../clock.js';
import type { SigningKeyRing } from '../../keys/signing-key-ring.js';
import type { Random } from '../../random.js';
import type { AuditInput } from '../../store/records.js';
import { assertWellFormedAccessToken } from '../../tokens/assert-well-formed-access-token.js';
import { mintAccessToken } from '../../tokens/mint-access-token.js';
import { newTokenId } from '../../tokens/token-id.js';
import type { TokenDigester } from '../../tokens/token-digest.js';
import type { AuthenticatedClient, ClientAuthenticationDeps } from '../client-auth/authenticate-client.js';
import { authenticateClientWithinLimits } from '../client-auth/authenticate-within-limits.js';
import { FormParameters } from '../form-parameters.js';
import type { GrantHandler } from '../grants/grant-handler.js';
import { withoutUnapproved, type ApprovalGate } from '../grants/approval-gate.js';
import { invalidClient, invalidRequest, OAuthError, unauthorizedClient, unsupportedGrantType } from '../oauth-error.js';
import { NO_STORE_HEADERS, type OAuthRequest, type OAuthResponse } from '../oauth-request.js';
import { BEARER, type SenderConstraintCheck } from '../sender-constraint.js';
import { alreadyAudited, auditRefusal } from './audit-failure.js';
import type { PolicyDecider } from '../../policy/policy-decider.js';
import { PolicyRefusalError } from '../policy-refusal.js';
import { decideTokenPolicy } from './token-policy.js';
import { GRANT_AUTHORIZATION_CODE, GRANT_REFRESH_TOKEN } from './user-token-endpoint.js';
import { inSpan, inSpanSync, markFailed } from '../../tracing/spans.js';
import type { Span } from '@opentelemetry/api';
import type { ServerMetrics } from '../../metrics/server-metrics.js';
import { bindingOf, countTokenOutcome, type TokenSeen } from './token-outcome-metrics.js';

export interface TokenEndpointDeps extends ClientAuthenticationDeps {
  clock: Clock;
  random: Random;
  keys: Pick<SigningKeyRing, 'signer'>;
  /** The digest kept with each token issued, by which it is recognised when presented back. */
  digester: Pick<TokenDigester, 'digest'>;
  commitLog: Pick<CommitLog, 'commit'>;
  /** The grant types this server accepts, by `grant_type` value. */
  grants: ReadonlyMap<string, GrantHandler>;
  /** Decides DPoP / certificate binding; without it every token is a plain bearer token. */
  senderConstraint?: SenderConstraintCheck;
  /** The policy layer (docs/policy.md); without it the allow-list alone decides. */
  policy?: Pick<PolicyDecider, 'decide'>;
  /** `authorization_code` and `refresh_token` for public clients (`user-token-endpoint.ts`); without it, both are unsupported. */
  userTokens?: (request: OAuthRequest, form: FormParameters, grantType: string) => Promise<OAuthResponse>;
  /** What needs a person's approval (docs/approvals.md); without it, nothing does. */
  approvals?: ApprovalGate;
  /** Called with the agent id after a successful authentication (last-seen bookkeeping). */
  onClientSeen?: (agentId: string, now: number) => void;
  /** Counts tokens issued and refused (docs/monitoring.md); without it nothing is counted. */
  metrics?: Pick<ServerMetrics, 'tokenIssued' | 'tokenRefused'>;
}

/** The grant types of people's clients. */
const USER_GRANTS: ReadonlySet<string> = new Set([GRANT_AUTHORIZATION_CODE, GRANT_REFRESH_TOKEN]);

/**
 * `POST /token` (RFC 6749 §3.2), issuing RFC 9068 JWT access tokens. The steps: parse the form
 * strictly; check the grant type; authenticate the client; check the client may use the grant;
 * decide the sender constraint; let the grant decide subject, audience, scope and lifetime; mint
 * and check what was minted; then commit the audit record, the issued-token record and every
 * single-use claim (assertion and proof `jti`s) durably in one group commit before answering.
 *
 * No refresh token is issued to agents (RFC 6749 §4.4.3 for client_credentials; RFC 8693 §2.2.1);
 * people's public clients get theirs from `user-token-endpoint.ts`.
 *
 * When tracing is on (docs/monitoring.md, "Traces"), the request is an `oauth.token` span with
 * one child per step: `oauth.client_authentication`, `oauth.grant`, `oauth.policy`, `oauth.sign`
 * and `oauth.commit`. Their attributes are the grant type, the client id, the authentication
 * method, the token type and error codes: never the form, the assertion or the token.
 */
export function handleTokenRequest(deps: TokenEndpointDeps, request: OAuthRequest): Promise<OAuthResponse> {
  return inSpan('oauth.token', {}, (span) => {
    if (deps.metrics === undefined) return issueToken(deps, request, span, undefined);
    const seen: TokenSeen = { grantType: undefined, binding: undefined };
    return countTokenOutcome(deps.metrics, request, seen, issueToken(deps, request, span, seen));
  });
}

async function issueToken(deps: TokenEndpointDeps, request: OAuthRequest, span: Span | undefined, seen: TokenSeen | undefined): Promise<OAuthResponse> {
  const now = deps.clock.now();
  let authenticated: AuthenticatedClient | undefined;
  let grantType: string | undefined;
  try {
    const form = FormParameters.parse(request.body);
    if (form instanceof OAuthError) throw form;
    grantType = form.get('grant_type');
    if (grantType === undefined) throw invalidRequest('grant_type missing');
    if (seen !== undefined) seen.grantType = grantType;
    // People's public clients (OAuth 2.1 §4.1.3, §4.3) take their own path: no client authentication.
    if (deps.userTokens !== undefined && USER_GRANTS.has(grantType)) {
      span?.setAttribute('oauth.grant_type', grantType);
      return await deps.userTokens(request, form, grantType);
    }
    const grant = deps.grants.get(grantType);
    if (grant === undefined) throw unsupportedGrantType(`grant_type ${grantType.slice(0, 80)}`);
    // Only a grant type this server knows is recorded: the field is the caller's to fill.
    span?.setAttribute('oauth.grant_type', grantType);
    if (form.has('refresh_token') || form.has('code')) throw invalidRequest('parameters of another grant');

    authenticated = await inSpan('oauth.client_authentication', {}, async (step) => {
      const client = await authenticateClientWithinLimits(deps, form, request);
      step?.setAttributes({ 'oauth.client_id': client.client.agent.id, 'oauth.client_auth_method': client.method });
      return client;
    });
    const { agent } = authenticated.client;
    span?.setAttribute('oauth.client_id', agent.id);
    if (!(agent.grantTypes as readonly string[]).includes(grantType)) {
      throw unauthorizedClient(`${grantType} not allowed for this agent`);
    }
    const context = { request, form, client: authenticated, now };
    const { constraint, granted } = await inSpan('oauth.grant', { 'oauth.grant_type': grantType }, async (step) => {
      const bound = deps.senderConstraint ? await deps.senderConstraint(context) : BEARER;
      step?.setAttribute('oauth.token_type', bound.tokenType);
      if (seen !== undefined) seen.binding = bindingOf(bound);
      return { constraint: bound, granted: withoutUnapproved(deps.approvals, form, await grant(context)) };
    });
    const policyQuestion = { grantType, client: authenticated, outcome: granted, constraint, scopesRequested: form.has('scope'), sourceIp: request.sourceIp, now };
    const decider = deps.policy;
    const policy = decider === undefined ? undefined : inSpanSync('oauth.policy', {}, () => decideTokenPolicy(decider, policyQuestion));
    const outcome = policy === undefined ? granted : { ...granted, scopes: policy.scopes, ttl: policy.ttl };

    const iat = Math.floor(now / 1000);
    const claims: AccessTokenClaims = {
      iss: deps.issuer,
      sub: outcome.subject,
      aud: outcome.audience.length === 1 ? (outcome.audience[0] as string) : outcome.audience,
      exp: iat + outcome.ttl,
      iat,
      nbf: iat,
      jti: newTokenId(now, deps.random),
      client_id: agent.id,
    };
    if (outcome.scopes.length > 0) claims.scope = outcome.scopes.join(' ');
    if (constraint.cnf !== undefined) claims.cnf = constraint.cnf;
    if (outcome.act !== undefined) claims.act = outcome.act;
    if (outcome.mayAct !== undefined) claims.may_act = outcome.mayAct;
    if (outcome.taskId !== undefined) claims.task_id = outcome.taskId;
    if (outcome.authorizationDetails !== undefined) claims.authorization_details = outcome.authorizationDetails;
    const signer = deps.keys.signer();
    const accessToken = inSpanSync('oauth.sign', { 'jws.alg': signer.alg, 'jws.kid': signer.kid }, () => {
      const minted = mintAccessToken(signer, claims);
      // House rule 9: what we issue is checked after signing, before it is returned. A structural
      // check (2.4 µs), not a second signature verification (47 µs on the hot path).
      assertWellFormedAccessToken(minted, { alg: signer.alg, kid: signer.kid, issuer: deps.issuer });
      return minted;
    });

    const issued: AuditInput = {
      time: now,
      event: 'access_token.issued',
      outcome: 'success',
      agentId: agent.id,
      actor: `agent:${agent.id}`,
      sourceIp: request.sourceIp,
      reason: null,
      requestId: request.requestId,
      details: {
        grant_type: grantType,
        jti: claims.jti,
        sub: claims.sub,
        aud: outcome.audience,
        scope: claims.scope ?? '',
        exp: claims.exp,
        token_type: constraint.tokenType,
        auth_method: authenticated.method,
        credential_id: authenticated.credentialId,
        kid: signer.kid,
        ...constraint.auditDetails,
        ...outcome.auditDetails,
        ...(policy === undefined ? {} : { policy: policy.audit }),
      },
    };
    const unit: CommitUnit = {
      claims: [...(authenticated.replayClaim ? [authenticated.replayClaim] : []), ...constraint.replayClaims, ...(outcome.replayClaims ?? [])],
      audit: [issued],
      issuedTokens: [{ jti: claims.jti, agentId: outcome.subject, clientId: agent.id, issuedAt: iat * 1000, expiresAt: claims.exp * 1000, parentJti: outcome.parentJti ?? null, tokenDigest: deps.digester.digest(accessToken) }],
      onReplay: [{ ...issued, event: 'client_authentication.failed', outcome: 'failure' as const, reason: constraint.replayClaims.length > 0 ? 'a single-use jti (client assertion or DPoP proof) was replayed' : 'invalid_client: a single-use jti was replayed', details: { grant_type: grantType } }],
    };
    const result = await inSpan('oauth.commit', {}, async (step) => {
      const committed = await deps.commitLog.commit(unit);
      if (!committed.ok) markFailed(step, undefined, 'replayed');
      return committed;
    });
    // A claim lost to another process or node: the token just minted is discarded unseen.
    if (!result.ok) {
      // Only a proof jti won by another process or node (RFC 9449 §11.1) is the proof's fault; a
      // replayed client assertion stays invalid_client, as it is when caught before the commit.
      const lost = result.replayedKeys ?? [];
      const onlyProof = lost.length > 0 && lost.every((key) => constraint.replayClaims.some((c) => c.key === key));
      throw alreadyAudited(onlyProof && constraint.replayError ? constraint.replayError() : invalidClient('single-use jti replayed'));
    }
    deps.onClientSeen?.(agent.id, now);
    await outcome.afterCommit?.({ jti: claims.jti, scopes: outcome.scopes, audience: outcome.audience, issuedAt: iat * 1000, expiresAt: claims.exp * 1000 });

    const response: TokenResponse = { access_token: accessToken, token_type: constraint.tokenType, expires_in: outcome.ttl };
    if (claims.scope !== undefined) response.scope = claims.scope;
    if (outcome.issuedTokenType !== undefined) response.issued_token_type = outcome.issuedTokenType;
    // RFC 9396 §7: the token response says which details the token carries.
    if (outcome.authorizationDetails !== undefined) response.authorization_details = outcome.authorizationDetails;
    return { status: 200, body: response, headers: { ...NO_STORE_HEADERS, ...constraint.headers } };
  } catch (error) {
    markFailed(span, error);
    return auditRefusal(deps.commitLog, request, error, {
      event: 'access_token.denied',
      agentId: authenticated?.client.agent.id,
      now,
      claim: authenticated?.replayClaim,
      details: {
        ...(grantType === undefined ? {} : { grant_type: grantType.slice(0, 80) }),
        ...(error instanceof PolicyRefusalError ? { policy: error.policy } : {}),
      },
    });
  }
}
