import type { Clock } from '../../clock.js';
import type { Random } from '../../random.js';
import type { AuthorizationGrantRecord, AuthorizationStore } from '../../store/ports/authorization-store.js';
import type { AuthorizationErrorCode } from './authorization-error.js';
import type { AuthorizationRequest } from './authorization-request.js';
import { grantSecretHash } from './grant-hash.js';
import type { RequestContext } from './request-context.js';

/** A code lives 60 seconds (RFC 6749 §4.1.2: "a maximum authorization code lifetime of 10 minutes is RECOMMENDED"; shorter is safer). */
export const CODE_TTL_MS = 60_000;

export type { RequestContext } from './request-context.js';

/**
 * Issues an authorization code for `userId` (RFC 6749 §4.1.2): 256 random bits, kept only as
 * SHA-256 with everything it is bound to (client, redirect URI, PKCE challenge, resource, scopes,
 * person), in one write with its `authorization_code.issued` record. Returns the URI to redirect
 * the person to.
 */
export async function issueAuthorizationCode(
  deps: { clock: Clock; random: Random; store: Pick<AuthorizationStore, 'createAuthorizationGrant'>; issuer: string },
  request: AuthorizationRequest,
  userId: string,
  ctx: RequestContext,
): Promise<string> {
  const now = deps.clock.now();
  const code = deps.random.token(32);
  const record: AuthorizationGrantRecord = {
    id: `agr_${deps.random.token(16)}`,
    codeHash: grantSecretHash(code),
    codeExpiresAt: now + CODE_TTL_MS,
    codeUsedAt: null,
    clientId: request.client.clientId,
    userId,
    redirectUri: request.redirectUri,
    codeChallenge: request.codeChallenge,
    resource: request.resource,
    scopes: request.scopes,
    refreshHash: null,
    refreshExpiresAt: null,
    refreshJkt: null,
    revokedAt: null,
    createdAt: now,
  };
  await deps.store.createAuthorizationGrant(record, [
    {
      time: now,
      event: 'authorization_code.issued',
      outcome: 'success',
      agentId: null,
      actor: ctx.actor,
      sourceIp: ctx.sourceIp,
      reason: null,
      requestId: ctx.requestId,
      details: { grant_id: record.id, client_id: record.clientId, user_id: userId, resource: record.resource, scope: record.scopes.join(' '), redirect_uri: record.redirectUri },
    },
  ]);
  return authorizationResponse(request.redirectUri, deps.issuer, request.state, { code });
}

/** The redirect of a refused request (RFC 6749 §4.1.2.1). */
export function authorizationErrorResponse(redirectUri: string, issuer: string, state: string | undefined, code: AuthorizationErrorCode, description: string): string {
  return authorizationResponse(redirectUri, issuer, state, { error: code, error_description: description.replace(/[^\x20-\x21\x23-\x5b\x5d-\x7e]/g, ' ') });
}

/**
 * `redirectUri` with the response parameters added to its query, keeping its own (RFC 6749
 * §3.1.2), `state` exactly as received (§4.1.2), and `iss` (RFC 9207 §2) so the client can tell
 * which server answered (mix-up defence).
 */
function authorizationResponse(redirectUri: string, issuer: string, state: string | undefined, params: Record<string, string>): string {
  const url = new URL(redirectUri);
  for (const [name, value] of Object.entries(params)) url.searchParams.append(name, value);
  if (state !== undefined) url.searchParams.append('state', state);
  url.searchParams.append('iss', issuer);
  return url.href;
}
