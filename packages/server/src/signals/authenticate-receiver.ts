import { SCOPE_SIGNALS, SIGNING_ALGS } from '@agentauth/protocol';
import { AccessTokenError, verifyAccessToken } from '@agentauth/resource-server';
import type { Clock } from '../clock.js';
import type { SigningKeyRing } from '../keys/signing-key-ring.js';
import type { Store } from '../store/store.js';
import { SsfError } from './ssf-error.js';

/** Longest bearer credential looked at. */
const MAX_CREDENTIAL_LENGTH = 8 * 1024;
/** RFC 6750 §2.1 `Bearer` credentials. */
const BEARER = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/i;

export interface ReceiverAuthDeps {
  /** Our issuer: the tokens' `iss`, and the audience of tokens meant for our own APIs. */
  issuer: string;
  clock: Clock;
  keys: Pick<SigningKeyRing, 'publicKey'>;
  store: Pick<Store, 'getAgent' | 'isTokenRevoked'>;
}

/** An authenticated SSF receiver: the agent whose token it presented. */
export interface Receiver {
  agentId: string;
}

/**
 * Authenticates an SSF event receiver (SSF 1.0 §7.1.1 `authorization_schemes`: OAuth 2.0, RFC
 * 6749; the token presented as an RFC 6750 bearer token). The token is verified by the
 * resource-server SDK, as every service verifies ours (issuer and audience = our issuer identifier,
 * our published keys), and must not be revoked (RFC 7009), its agent (`sub`, and `client_id` if
 * another) must exist, be active and not have revoked it, and it must carry `agentauth:signals`.
 *
 * @throws {SsfError} 401 `invalid_token` (with an RFC 6750 §3 challenge) or 403 `insufficient_scope`.
 */
export async function authenticateReceiver(deps: ReceiverAuthDeps, authorization: string | undefined): Promise<Receiver> {
  if (authorization === undefined || authorization === '') throw unauthenticated('no credential', false);
  if (authorization.length > MAX_CREDENTIAL_LENGTH) throw unauthenticated('credential too large', true);
  const match = BEARER.exec(authorization);
  if (match === null) throw unauthenticated('not a Bearer credential', true);

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
    throw unauthenticated(`access token refused: ${error.code}`, true);
  }
  const { claims, scopes } = verified;
  if (await deps.store.isTokenRevoked(claims.jti)) throw unauthenticated('access token revoked', true);
  for (const id of new Set([claims.sub, claims.client_id])) {
    const agent = await deps.store.getAgent(id);
    if (agent === undefined) throw unauthenticated(`agent ${id} does not exist`, true);
    if (agent.status !== 'active') throw unauthenticated(`agent ${id} is ${agent.status}`, true);
    if (agent.revokedBefore !== null && claims.iat * 1000 < agent.revokedBefore) throw unauthenticated(`agent ${id} revoked its tokens`, true);
  }
  if (!scopes.includes(SCOPE_SIGNALS)) {
    throw new SsfError(403, 'insufficient_scope', `access token of ${claims.sub} lacks ${SCOPE_SIGNALS}`, {
      'www-authenticate': `Bearer error="insufficient_scope", scope="${SCOPE_SIGNALS}"`,
    });
  }
  return { agentId: claims.sub };
}

function unauthenticated(detail: string, presented: boolean): SsfError {
  // RFC 6750 §3.1: a request without credentials gets a bare challenge, without an error code.
  return new SsfError(401, 'invalid_token', detail, { 'www-authenticate': presented ? 'Bearer error="invalid_token"' : 'Bearer' });
}
