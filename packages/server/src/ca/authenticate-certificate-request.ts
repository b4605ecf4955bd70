import { SCOPE_CERT, SIGNING_ALGS } from '@agentauth/protocol';
import { AccessTokenError, verifyAccessToken } from '@agentauth/resource-server';
import type { Clock } from '../clock.js';
import type { SigningKeyRing } from '../keys/signing-key-ring.js';
import type { Store } from '../store/store.js';

/** Longest bearer credential looked at; ours are far shorter. */
const MAX_CREDENTIAL_LENGTH = 8 * 1024;
/** RFC 6750 §2.1. */
const BEARER = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/i;

export interface CertificateRequestAuthDeps {
  /** Our issuer identifier: the `iss` of our tokens and the audience of tokens for our own APIs. */
  issuer: string;
  clock: Clock;
  keys: Pick<SigningKeyRing, 'publicKey'>;
  store: Pick<Store, 'getAgent' | 'isTokenRevoked'>;
}

/** The agent a certificate may be issued to, or why not (RFC 6750 §3.1 error codes). */
export type CertificateRequestAuth =
  | { ok: true; agentId: string }
  | { ok: false; status: 401 | 403; error: 'invalid_token' | 'insufficient_scope'; reason: string; agentId: string | null };

/**
 * Authenticates a certificate request (JSON API, EST simpleenroll) by its bearer access token, the
 * same way the admin API does (one validation path, DESIGN.md §3): an RFC 9068 token of ours,
 * verified by the resource-server SDK with the issuer as audience, not revoked (RFC 7009), whose
 * agent (`sub`, and `client_id` if another) exists, is active and has not revoked it, and which
 * carries the scope `agentauth:cert` (403 `insufficient_scope` otherwise). The certificate names `sub`.
 *
 * Does NOT check sender constraints: DPoP- and certificate-bound tokens are refused by the SDK.
 */
export function createCertificateRequestAuthenticator(deps: CertificateRequestAuthDeps): (authorization: string | undefined) => Promise<CertificateRequestAuth> {
  const refuse = (reason: string, agentId: string | null = null): CertificateRequestAuth => ({ ok: false, status: 401, error: 'invalid_token', reason, agentId });
  return async (authorization) => {
    if (authorization === undefined || authorization === '') return refuse('no credential');
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
    if (!scopes.includes(SCOPE_CERT)) return { ok: false, status: 403, error: 'insufficient_scope', reason: `access token lacks ${SCOPE_CERT}`, agentId };
    return { ok: true, agentId };
  };
}
