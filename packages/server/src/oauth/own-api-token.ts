import { SIGNING_ALGS } from '@agentauth/protocol';
import { AccessTokenError, verifyAccessToken, type VerifiedAccessTokenClaims } from '@agentauth/resource-server';
import type { Clock } from '../clock.js';
import type { SigningKeyRing } from '../keys/signing-key-ring.js';
import type { Store } from '../store/store.js';

/** Longest bearer credential looked at; ours are far shorter, so longer ones are refused unread. */
export const MAX_CREDENTIAL_LENGTH = 8 * 1024;
/** RFC 6750 §2.1: `Bearer` (case-insensitive scheme, RFC 9110 §11.1), one space, a b64token. */
export const BEARER = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/i;

export interface OwnApiTokenDeps {
  /** Our issuer identifier: the `iss` of our tokens, and the audience of tokens for our own APIs. */
  issuer: string;
  clock: Clock;
  keys: Pick<SigningKeyRing, 'publicKey'>;
  store: Pick<Store, 'getAgent' | 'isTokenRevoked'>;
}

/** A bearer credential for one of our own APIs, checked; or why not. */
export type OwnApiToken =
  | { ok: true; agentId: string; claims: VerifiedAccessTokenClaims; scopes: string[] }
  | {
      ok: false;
      /** 401: not authenticated; 403: authenticated, but without the required scope. */
      status: 401 | 403;
      /** False when no credential was sent at all (RFC 6750 §3.1: then a bare challenge). */
      presented: boolean;
      /** Private reason for the log and the audit record; never contains the credential. */
      reason: string;
      agentId: string | null;
    };

/**
 * The one check of a bearer access token presented at the server's own APIs (admin API, CA,
 * Shared Signals): the resource-server SDK's RFC 9068 verification (DESIGN.md §3: one validation
 * path, dogfooded) with our issuer as `iss` and audience and only our published keys, each with the
 * algorithm it was made for; then the token must not be revoked (RFC 7009), its agent (`sub`, and
 * `client_id` if another) must exist, be active and not have revoked it (`iat` before
 * `revokedBefore`), and it must carry `requiredScope` (403 otherwise).
 *
 * Does NOT check sender constraints: the SDK refuses DPoP- and certificate-bound tokens here.
 */
export async function checkOwnApiToken(deps: OwnApiTokenDeps, authorization: string | undefined, requiredScope: string): Promise<OwnApiToken> {
  const refuse = (reason: string, agentId: string | null = null, presented = true): OwnApiToken => ({ ok: false, status: 401, presented, reason, agentId });
  if (authorization === undefined || authorization === '') return refuse('no credential', null, false);
  if (authorization.length > MAX_CREDENTIAL_LENGTH) return refuse('credential too large');
  const match = BEARER.exec(authorization);
  if (match === null) return refuse('not a Bearer credential');

  let verified;
  try {
    verified = await verifyAccessToken(match[1] ?? '', {
      issuer: deps.issuer,
      audience: deps.issuer,
      algorithms: SIGNING_ALGS,
      getKey: ({ kid, alg }) => {
        const published = kid === undefined ? undefined : deps.keys.publicKey(kid);
        return published !== undefined && published.alg === alg ? published.key : undefined;
      },
      now: () => deps.clock.now(),
    });
  } catch (error) {
    if (!(error instanceof AccessTokenError)) throw error;
    return refuse(`access token refused: ${error.code}`);
  }
  const { claims, scopes } = verified;
  const agentId = claims.sub;
  if (await deps.store.isTokenRevoked(claims.jti)) return refuse('access token revoked', agentId);
  for (const id of new Set([claims.sub, claims.client_id])) {
    const agent = await deps.store.getAgent(id);
    if (agent === undefined) return refuse(`agent ${id} does not exist`, agentId);
    if (agent.status !== 'active') return refuse(`agent ${id} is ${agent.status}`, agentId);
    if (agent.revokedBefore !== null && claims.iat * 1000 < agent.revokedBefore) return refuse(`agent ${id} revoked its tokens`, agentId);
  }
  if (!scopes.includes(requiredScope)) return { ok: false, status: 403, presented: true, reason: `access token lacks ${requiredScope}`, agentId };
  return { ok: true, agentId, claims, scopes };
}
