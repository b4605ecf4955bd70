import { parseScope, type AccessTokenClaims, type TokenResponse } from '@agentauth/protocol';
import type { CommitLog } from '../../audit/commit-log.js';
import type { Clock } from '../../clock.js';
import type { SigningKeyRing } from '../../keys/signing-key-ring.js';
import type { PolicyDecider } from '../../policy/policy-decider.js';
import type { Random } from '../../random.js';
import type { AuthorizationGrantRecord, AuthorizationStore, GrantUseResult } from '../../store/ports/authorization-store.js';
import type { AuditInput } from '../../store/records.js';
import { assertWellFormedAccessToken } from '../../tokens/assert-well-formed-access-token.js';
import { mintAccessToken } from '../../tokens/mint-access-token.js';
import type { TokenDigester } from '../../tokens/token-digest.js';
import { newTokenId } from '../../tokens/token-id.js';
import { grantLineageId, grantSecretHash } from '../authorization/grant-hash.js';
import { verifyPkceS256 } from '../authorization/pkce.js';
import { ClientMetadataError } from '../authorization/client-metadata-error.js';
import { authenticateDocumentClient, type DocumentClientAssertionDeps } from '../authorization/document-client-assertion.js';
import { publicClientPrincipal } from '../authorization/public-client-principal.js';
import type { PublicClients } from '../authorization/public-clients.js';
import { revokeGrants, type RevokeGrantsDeps } from '../authorization/revoke-grants.js';
import type { FormParameters } from '../form-parameters.js';
import { invalidClient, invalidGrant, invalidRequest, invalidScope, invalidTarget, quoted } from '../oauth-error.js';
import { NO_STORE_HEADERS, type OAuthRequest, type OAuthResponse } from '../oauth-request.js';
import { PolicyRefusalError } from '../policy-refusal.js';
import { BEARER, type SenderConstraintCheck } from '../sender-constraint.js';
import type { AuthenticatedClient, ClientAuthenticationDeps } from '../client-auth/authenticate-client.js';
import type { Delegations } from '../delegation/delegations.js';
import { alreadyAudited, auditRefusal } from './audit-failure.js';
import { authenticateAgentTokenClient, isAgentTokenRequest, type AgentTokenClient } from './agent-token-client.js';
import { decideTokenPolicy } from './token-policy.js';

/** `grant_type` values of people's clients (RFC 6749 §4.1.3, §6). */
export const GRANT_AUTHORIZATION_CODE = 'authorization_code';
export const GRANT_REFRESH_TOKEN = 'refresh_token';

/** A refresh family lives 30 days without use; each rotation starts the 30 days again. */
export const REFRESH_TOKEN_TTL_MS = 30 * 24 * 3600_000;
/**
 * What redeeming a code writes as the family's refresh hash until the first refresh token is set:
 * not a SHA-256 in base64url (43 characters), so no presented token ever matches it.
 */
const PENDING_REFRESH = 'pending';
/**
 * `<grant id>.<256 random bits>.<MAC>`: the MAC (the token digester's HMAC under a key derived from
 * the master key, over `refresh-token:<grant id>.<random>`) proves we issued the token for that
 * grant, so only a token we issued can count as a reuse and revoke a family: knowing a grant id
 * (audit records and token chains show them) is not enough.
 */
const REFRESH_TOKEN_PATTERN = /^(agr_[A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})\.([A-Za-z0-9_-]{43})$/;

/** What the token endpoint needs for people's clients. */
export interface UserTokenDeps extends RevokeGrantsDeps {
  issuer: string;
  clock: Clock;
  random: Random;
  keys: Pick<SigningKeyRing, 'signer'>;
  digester: Pick<TokenDigester, 'digest' | 'matches'>;
  commitLog: Pick<CommitLog, 'commit'>;
  store: RevokeGrantsDeps['store'] & Pick<AuthorizationStore, 'redeemAuthorizationCode' | 'rotateRefreshToken'>;
  /** Registered clients and those described by a Client ID Metadata Document. */
  clients: Pick<PublicClients, 'get'>;
  /** Checks the assertion of a document client that says `private_key_jwt`; without it, such clients are refused. */
  documentClients?: DocumentClientAssertionDeps;
  accessTokenTtl: number;
  senderConstraint?: SenderConstraintCheck;
  policy?: Pick<PolicyDecider, 'decide'>;
  /** Agents as confidential clients (an agent's own credentials only, never a trusted issuer's JWT); without it, an agent client id is `invalid_client`. */
  agentAuth?: ClientAuthenticationDeps;
  /** The sender constraint of an agent's tokens: DPoP and certificate binding, as for its other grants (default: `senderConstraint`). */
  agentSenderConstraint?: SenderConstraintCheck;
  /** Records "agent A acts for person U" for the tokens an agent obtains this way (docs/people.md, "Agents acting for you"). */
  delegations?: Pick<Delegations, 'recordUse'>;
  /** Called with the agent id after an agent's token is committed (last-seen bookkeeping, as for its other grants). */
  onAgentSeen?: (agentId: string, now: number) => void;
}

/**
 * `POST /token` for public clients (OAuth 2.1 §4.1.3, §4.3; `token_endpoint_auth_method: none`),
 * registered or described by a Client ID Metadata Document (only one a person has consented to is
 * fetched; one that cannot be had now is `invalid_client`; one whose document says
 * `private_key_jwt` must authenticate with its assertion, `authenticateDocumentClient`):
 *
 * - `authorization_code`: the code is spent in one conditional write; then it must have been
 *   issued to this `client_id` for this exact `redirect_uri`, and `code_verifier` must match its
 *   S256 challenge (RFC 7636 §4.6), else `invalid_grant` and the grant is revoked. A code presented
 *   again revokes the grant and every token issued from it (RFC 6749 §4.1.2).
 * - `refresh_token`: rotated on every use (RFC 9700 §4.14.2): the presented token must be the
 *   family's current one, swapped for a new one in one conditional write; an earlier one of a live
 *   family revokes the whole family and its tokens. `scope` may only narrow; `resource` must be
 *   the grant's. A family started with a DPoP proof is bound to its key: each refresh must prove
 *   possession of the same key (RFC 9449 §5), else `invalid_grant` and nothing rotates.
 *
 * The access token: `sub` the person, `client_id` the client, `aud` the consented resource,
 * DPoP-bound when a proof is sent (RFC 9449 §5), narrowed or refused by the policy layer (the
 * client as principal, the person as `context.subject`), and audited as `access_token.issued`.
 *
 * A registered agent (`client_id` `agt_...`, or client credentials without `client_id`) is a
 * confidential client (docs/oauth.md, "Agents as clients of the authorization code flow"): it
 * authenticates with its registered method for both grants (RFC 6749 §4.1.3, §6), so its refresh
 * tokens are bound to it by authentication rather than to a DPoP key (RFC 9449 §5); its tokens
 * are bound as its other tokens are (DPoP, RFC 8705 certificate), name it as the actor
 * (`act: {sub: <agent id>}`, RFC 8693 §4.1) and are recorded as its delegation from the person.
 */
export async function handleUserTokenRequest(deps: UserTokenDeps, request: OAuthRequest, form: FormParameters, grantType: string): Promise<OAuthResponse> {
  const now = deps.clock.now();
  let clientId = form.get('client_id');
  try {
    const agent = isAgentTokenRequest(form, request) ? await agentClient(deps, form, request) : undefined;
    if (agent !== undefined) clientId = agent.client.clientId;
    // A public client has no credential to present (OAuth 2.1 §2.4); one that sends one is not public.
    // The one exception: a client whose metadata document says private_key_jwt must send its assertion.
    if (agent === undefined && (request.authorization !== undefined || form.has('client_secret'))) throw invalidClient('credentials sent for a public client');
    if (clientId === undefined) throw invalidClient('client_id missing');
    const client = agent?.client ?? (await publicClient(deps, clientId, request));
    if (client === undefined) throw invalidClient(`unknown public client ${quoted(clientId, 80)}`);
    const keyed = client.document?.auth.method === 'private_key_jwt';
    if (agent === undefined && !keyed && (form.has('client_assertion') || form.has('client_assertion_type'))) throw invalidClient('credentials sent for a public client');
    if (keyed && deps.documentClients === undefined) throw invalidClient('private_key_jwt of document clients is not available');
    const assertionClaim = agent !== undefined ? agent.authenticated.replayClaim : keyed && deps.documentClients !== undefined ? await authenticateDocumentClient(deps.documentClients, client, form, now) : undefined;
    const authMethod = agent !== undefined ? agent.authenticated.method : keyed ? 'private_key_jwt' : 'none';
    const refreshSecret = (grantId: string) => {
      const body = `${grantId}.${deps.random.token(32)}`;
      return `${body}.${deps.digester.digest(`refresh-token:${body}`)}`;
    };
    // The proof first: its key binds the refresh family too (RFC 9449 §5, public clients only: a
    // confidential client's refresh tokens are bound to its authentication instead).
    const check = agent !== undefined ? (deps.agentSenderConstraint ?? deps.senderConstraint) : deps.senderConstraint;
    const constraint = check ? await check({ request, form, client: agent?.authenticated ?? publicClientPrincipal(client, '', []), now }) : BEARER;
    const jkt = agent !== undefined ? null : (constraint.cnf?.jkt ?? null);
    let grant: AuthorizationGrantRecord;
    let scopes: string[];
    let newRefresh: string;
    if (grantType === GRANT_AUTHORIZATION_CODE) {
      const code = form.get('code');
      if (code === undefined || code.length > 128) throw invalidRequest('code is required');
      const redirectUri = form.get('redirect_uri');
      if (redirectUri === undefined) throw invalidRequest('redirect_uri is required (it was sent in the authorization request)');
      const result = await deps.store.redeemAuthorizationCode(grantSecretHash(code), now, { hash: PENDING_REFRESH, expiresAt: now + REFRESH_TOKEN_TTL_MS, jkt });
      grant = await usable(deps, result, 'code_reused', request, 'authorization code');
      newRefresh = refreshSecret(grant.id);
      const bound = grant.clientId === clientId && grant.redirectUri === redirectUri && verifyPkceS256(form.get('code_verifier'), grant.codeChallenge);
      if (!bound) {
        await revokeGrants(deps, [grant], 'code_reused', ctxOf(request, clientId));
        throw invalidGrant('code issued to another client or redirect_uri, or code_verifier does not match (PKCE)');
      }
      // The family's first refresh token, written where redeeming put a placeholder.
      const rotated = await deps.store.rotateRefreshToken(grant.id, PENDING_REFRESH, now, { hash: grantSecretHash(newRefresh), expiresAt: now + REFRESH_TOKEN_TTL_MS }, jkt);
      if (rotated.kind !== 'ok') throw invalidGrant('grant revoked while the code was redeemed');
      scopes = grant.scopes;
    } else {
      const presented = form.get('refresh_token');
      const match = presented === undefined ? null : REFRESH_TOKEN_PATTERN.exec(presented);
      if (presented === undefined || match === null) throw invalidGrant('refresh_token missing or malformed');
      const grantId = match[1] as string;
      if (!deps.digester.matches(`refresh-token:${grantId}.${match[2] as string}`, match[3] as string)) throw invalidGrant('refresh_token not issued here (MAC)');
      newRefresh = refreshSecret(grantId);
      const result = await deps.store.rotateRefreshToken(grantId, grantSecretHash(presented), now, { hash: grantSecretHash(newRefresh), expiresAt: now + REFRESH_TOKEN_TTL_MS }, jkt);
      grant = await usable(deps, result, 'refresh_token_reused', request, 'refresh token');
      if (grant.clientId !== clientId) {
        await revokeGrants(deps, [grant], 'refresh_token_reused', ctxOf(request, clientId));
        throw invalidGrant('refresh token issued to another client');
      }
      scopes = narrowed(grant.scopes, form.get('scope'));
    }
    const resources = form.getAll('resource');
    if (resources.length > 1 || (resources.length === 1 && resources[0] !== grant.resource)) throw invalidTarget('resource must be the one the authorization was granted for');

    const principal: AuthenticatedClient = agent?.authenticated ?? publicClientPrincipal(client, grant.resource, scopes);
    // RFC 8693 §4.1: the agent is the party acting; the person is the subject.
    const act = agent === undefined ? undefined : { sub: agent.client.clientId };
    const outcome = { subject: grant.userId, audience: [grant.resource], scopes, ttl: agent?.client.agent.accessTokenTtl ?? deps.accessTokenTtl, auditDetails: {}, ...(act === undefined ? {} : { act }) };
    const policy = deps.policy === undefined ? undefined : decideTokenPolicy(deps.policy, { grantType, client: principal, outcome, constraint, scopesRequested: form.has('scope'), sourceIp: request.sourceIp, now });
    const finalScopes = policy?.scopes ?? scopes;
    const ttl = policy?.ttl ?? outcome.ttl;

    const iat = Math.floor(now / 1000);
    const claims: AccessTokenClaims = { iss: deps.issuer, sub: grant.userId, aud: grant.resource, exp: iat + ttl, iat, nbf: iat, jti: newTokenId(now, deps.random), client_id: clientId };
    if (finalScopes.length > 0) claims.scope = finalScopes.join(' ');
    if (constraint.cnf !== undefined) claims.cnf = constraint.cnf;
    if (act !== undefined) claims.act = act;
    const signer = deps.keys.signer();
    const accessToken = mintAccessToken(signer, claims);
    assertWellFormedAccessToken(accessToken, { alg: signer.alg, kid: signer.kid, issuer: deps.issuer });

    const issued: AuditInput = {
      time: now,
      event: 'access_token.issued',
      outcome: 'success',
      agentId: agent === undefined ? null : clientId,
      actor: agent === undefined ? `client:${clientId}` : `agent:${clientId}`,
      sourceIp: request.sourceIp,
      reason: null,
      requestId: request.requestId,
      details: {
        grant_type: grantType,
        ...(agent === undefined ? {} : { act, credential_id: agent.authenticated.credentialId }),
        jti: claims.jti,
        sub: claims.sub,
        client_id: clientId,
        grant_id: grant.id,
        aud: [grant.resource],
        scope: claims.scope ?? '',
        exp: claims.exp,
        token_type: constraint.tokenType,
        auth_method: authMethod,
        kid: signer.kid,
        ...constraint.auditDetails,
        ...(policy === undefined ? {} : { policy: policy.audit }),
      },
    };
    // Which single-use claim another node took first cannot be told apart; with an assertion, say invalid_client.
    const replayReason = assertionClaim === undefined ? 'invalid_dpop_proof: DPoP proof jti replayed' : 'invalid_client: client assertion or DPoP proof jti replayed';
    const result = await deps.commitLog.commit({
      claims: assertionClaim === undefined ? constraint.replayClaims : [...constraint.replayClaims, assertionClaim],
      audit: [issued],
      // An agent's token is filed as an exchanged one is (the person as subject, the agent as client), so revoking the delegation finds it.
      issuedTokens: [{ jti: claims.jti, agentId: agent === undefined ? clientId : grant.userId, clientId, issuedAt: iat * 1000, expiresAt: claims.exp * 1000, parentJti: grantLineageId(grant.id), tokenDigest: deps.digester.digest(accessToken) }],
      onReplay: [{ ...issued, event: 'access_token.denied', outcome: 'failure', reason: replayReason, details: { grant_type: grantType, client_id: clientId } }],
    });
    if (!result.ok) {
      throw alreadyAudited(assertionClaim !== undefined ? invalidClient(replayReason) : constraint.replayError ? constraint.replayError() : invalidGrant('single-use proof replayed'));
    }
    if (agent !== undefined) deps.onAgentSeen?.(clientId, now);
    if (agent !== undefined && deps.delegations !== undefined) {
      // A pair the person revoked after this authorization was given refuses (the token just issued is revoked on the feed).
      await deps.delegations.recordUse(
        { userId: grant.userId, grantId: grant.id, clientId, grantCreatedAt: grant.createdAt },
        clientId,
        { jti: claims.jti, scopes: finalScopes, audience: [grant.resource], issuedAt: iat * 1000, expiresAt: claims.exp * 1000, parentJti: grantLineageId(grant.id) },
        { actor: `agent:${clientId}`, sourceIp: request.sourceIp, requestId: request.requestId },
      );
    }

    const response: TokenResponse & { refresh_token: string } = { access_token: accessToken, token_type: constraint.tokenType, expires_in: ttl, refresh_token: newRefresh };
    if (claims.scope !== undefined) response.scope = claims.scope;
    return { status: 200, body: response, headers: { ...NO_STORE_HEADERS, ...constraint.headers } };
  } catch (error) {
    return refused(deps, request, error, {
      event: 'access_token.denied',
      agentId: undefined,
      now,
      details: { grant_type: grantType, ...(clientId === undefined ? {} : { client_id: clientId.slice(0, 256) }), ...(error instanceof PolicyRefusalError ? { policy: error.policy } : {}) },
    });
  }
}

/** The client, or `invalid_client` (fixed description) when its Client ID Metadata Document is refused. */
async function publicClient(deps: UserTokenDeps, clientId: string, request: OAuthRequest) {
  try {
    return await deps.clients.get(clientId, ctxOf(request, clientId.slice(0, 1024)), { rememberedOnly: true });
  } catch (error) {
    if (error instanceof ClientMetadataError) throw invalidClient(`client metadata document of ${quoted(clientId, 200)} refused: ${error.message}`);
    throw error;
  }
}

/** The agent that authenticated as a confidential client, or `invalid_client` where agents are not clients of this flow. */
async function agentClient(deps: UserTokenDeps, form: FormParameters, request: OAuthRequest): Promise<AgentTokenClient> {
  if (deps.agentAuth === undefined) throw invalidClient('agents are not clients of the authorization code flow here');
  return authenticateAgentTokenClient(deps.agentAuth, form, request);
}

/** Audits a refusal once, then marks it so the token endpoint around this one does not audit it again. */
async function refused(deps: UserTokenDeps, request: OAuthRequest, error: unknown, context: Parameters<typeof auditRefusal>[3]): Promise<never> {
  try {
    return await auditRefusal(deps.commitLog, request, error, context);
  } catch (thrown) {
    if (typeof thrown === 'object' && thrown !== null) alreadyAudited(thrown);
    throw thrown;
  }
}

/** The grant a code or refresh token found, or the refusal; a reuse revokes the grant and its tokens first. */
async function usable(deps: UserTokenDeps, result: GrantUseResult, reuse: 'code_reused' | 'refresh_token_reused', request: OAuthRequest, what: string): Promise<AuthorizationGrantRecord> {
  if (result.kind === 'unknown') throw invalidGrant(`${what} unknown, expired or revoked`);
  if (result.kind === 'reused') {
    await revokeGrants(deps, [result.grant], reuse, ctxOf(request, result.grant.clientId));
    throw invalidGrant(`${what} used twice: grant ${result.grant.id} and its tokens revoked`);
  }
  return result.grant;
}

/** RFC 6749 §6: a refresh may ask for fewer scopes, never more. */
function narrowed(granted: readonly string[], scope: string | undefined): string[] {
  if (scope === undefined) return [...granted];
  const requested = parseScope(scope);
  if (requested === undefined) throw invalidScope('scope must be scope-tokens separated by single spaces (RFC 6749 §3.3)');
  for (const s of requested) if (!granted.includes(s)) throw invalidScope(`scope ${quoted(s)} was not granted (RFC 6749 §6: a refresh may only narrow)`);
  return [...new Set(requested)];
}

function ctxOf(request: OAuthRequest, clientId: string) {
  return { actor: `client:${clientId}`, sourceIp: request.sourceIp, requestId: request.requestId };
}

