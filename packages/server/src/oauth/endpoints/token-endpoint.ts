import { GRANT_CLIENT_CREDENTIALS, GRANT_JWT_BEARER, GRANT_TOKEN_EXCHANGE, type AccessTokenClaims, type TokenResponse } from '@agentauth/protocol';
import type { AuditLog } from '../../audit/audit-log.js';
import type { Clock } from '../../clock.js';
import type { SigningKeyRing } from '../../keys/signing-key-ring.js';
import type { Random } from '../../random.js';
import { assertWellFormedAccessToken } from '../../tokens/assert-well-formed-access-token.js';
import { mintAccessToken } from '../../tokens/mint-access-token.js';
import { authenticateClient, type AuthenticatedClient, type ClientAuthenticationDeps } from '../client-auth/authenticate-client.js';
import { FormParameters } from '../form-parameters.js';
import { resolveGrant } from '../grants/resolve-grant.js';
import { DESCRIPTIONS, invalidClient, invalidRequest, OAuthError } from '../oauth-error.js';
import { NO_STORE_HEADERS, type OAuthRequest, type OAuthResponse } from '../oauth-request.js';
import { alreadyAudited, auditRefusal } from './audit-failure.js';

export interface TokenEndpointDeps extends ClientAuthenticationDeps {
  clock: Clock;
  random: Random;
  keys: Pick<SigningKeyRing, 'signer'>;
  audit: AuditLog;
  /** Default access token lifetime, seconds. */
  accessTokenTtl: number;
  /** Called with the agent id after a successful authentication (last-seen bookkeeping). */
  onClientSeen?: (agentId: string, now: number) => void;
}

/** Grant types we know of but this server does not (yet) accept; all get `unsupported_grant_type`. */
const KNOWN_GRANTS = new Set<string>([GRANT_CLIENT_CREDENTIALS, GRANT_TOKEN_EXCHANGE, GRANT_JWT_BEARER]);

/**
 * `POST /token` (RFC 6749 §3.2), grant `client_credentials` (§4.4), issuing RFC 9068 JWT access
 * tokens. The steps: parse the form strictly, check the grant type, authenticate the client,
 * check the grant, resolve audience and scope, mint, then commit the audit record, the issued
 * token and the assertion's `jti` claim durably in one group commit before answering.
 *
 * No refresh token is ever issued for client_credentials (RFC 6749 §4.4.3: "SHOULD NOT").
 */
export async function handleTokenRequest(deps: TokenEndpointDeps, request: OAuthRequest): Promise<OAuthResponse> {
  const now = deps.clock.now();
  let authenticated: AuthenticatedClient | undefined;
  try {
    const form = FormParameters.parse(request.body);
    if (form instanceof OAuthError) throw form;
    const grantType = form.get('grant_type');
    if (grantType === undefined) throw invalidRequest('grant_type missing');
    if (grantType !== GRANT_CLIENT_CREDENTIALS) {
      throw new OAuthError('unsupported_grant_type', 400, DESCRIPTIONS.unsupportedGrantType, `grant_type ${KNOWN_GRANTS.has(grantType) ? grantType : 'unknown'}`);
    }
    if (form.has('refresh_token') || form.has('code')) throw invalidRequest('parameters of another grant');

    authenticated = await authenticateClient(deps, form, request.authorization);
    const { agent } = authenticated.client;
    if (!agent.grantTypes.includes(GRANT_CLIENT_CREDENTIALS)) {
      throw new OAuthError('unauthorized_client', 400, DESCRIPTIONS.unauthorizedClient, 'client_credentials not allowed for this agent');
    }
    const grant = resolveGrant(agent, deps.issuer, form.getAll('resource'), form.get('scope'));

    const iat = Math.floor(now / 1000);
    const ttl = agent.accessTokenTtl ?? deps.accessTokenTtl;
    const claims: AccessTokenClaims = {
      iss: deps.issuer,
      sub: agent.id,
      aud: grant.audience.length === 1 ? (grant.audience[0] as string) : grant.audience,
      exp: iat + ttl,
      iat,
      nbf: iat,
      jti: deps.random.token(16),
      client_id: agent.id,
    };
    if (grant.scopes.length > 0) claims.scope = grant.scopes.join(' ');
    const signer = deps.keys.signer();
    const accessToken = mintAccessToken(signer, claims);
    // House rule 9: what we issue is checked after signing, before it is returned. A structural
    // check (2.4 µs), not a second signature verification (47 µs on the hot path).
    assertWellFormedAccessToken(accessToken, { alg: signer.alg, kid: signer.kid, issuer: deps.issuer });

    const issued = {
      time: now,
      event: 'access_token.issued',
      outcome: 'success' as const,
      agentId: agent.id,
      actor: `agent:${agent.id}`,
      sourceIp: request.sourceIp,
      reason: null,
      requestId: request.requestId,
      details: {
        grant_type: GRANT_CLIENT_CREDENTIALS,
        jti: claims.jti,
        aud: grant.audience,
        scope: claims.scope ?? '',
        exp: claims.exp,
        auth_method: authenticated.method,
        credential_id: authenticated.credentialId,
        kid: signer.kid,
      },
    };
    const result = await deps.audit.commit({
      claims: authenticated.replayClaim ? [authenticated.replayClaim] : [],
      audit: [issued],
      issuedTokens: [{ jti: claims.jti, agentId: agent.id, clientId: agent.id, issuedAt: iat * 1000, expiresAt: claims.exp * 1000, parentJti: null }],
      onReplay: [{ ...issued, event: 'client_authentication.failed', outcome: 'failure', reason: 'invalid_client: assertion jti replayed', details: {} }],
    });
    // The claim lost to another process or node: the token just minted is discarded unseen.
    if (!result.ok) throw alreadyAudited(invalidClient('assertion jti replayed'));
    deps.onClientSeen?.(agent.id, now);

    const response: TokenResponse = { access_token: accessToken, token_type: 'Bearer', expires_in: ttl };
    if (claims.scope !== undefined) response.scope = claims.scope;
    return { status: 200, body: response, headers: { ...NO_STORE_HEADERS } };
  } catch (error) {
    return auditRefusal(deps.audit, request, error, {
      event: 'access_token.denied',
      agentId: authenticated?.client.agent.id,
      now,
      claim: authenticated?.replayClaim,
      details: { grant_type: GRANT_CLIENT_CREDENTIALS },
    });
  }
}
