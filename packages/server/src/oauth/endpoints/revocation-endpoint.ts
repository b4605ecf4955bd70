import type { CommitLog } from '../../audit/commit-log.js';
import type { Clock } from '../../clock.js';
import type { AuditInput } from '../../store/records.js';
import type { SigningKeyRing } from '../../keys/signing-key-ring.js';
import type { TokenStore } from '../../store/ports/token-store.js';
import type { AuthenticatedClient, ClientAuthenticationDeps } from '../client-auth/authenticate-client.js';
import { unauthorizedClient } from '../oauth-error.js';
import { NO_STORE_HEADERS, type OAuthRequest, type OAuthResponse } from '../oauth-request.js';
import { verifyOwnAccessToken } from '../own-access-token.js';
import { readTokenParameterRequest } from './token-parameter-request.js';
import { auditRefusal, claimAuthenticated, commitAuthenticated } from './audit-failure.js';

export interface RevocationEndpointDeps extends ClientAuthenticationDeps {
  clock: Clock;
  keys: Pick<SigningKeyRing, 'publicKey'>;
  store: Pick<TokenStore, 'revokeToken'>;
  commitLog: Pick<CommitLog, 'commit'>;
  /** Told of every revocation, for caches and fan-out. */
  onTokenRevoked?: (jti: string, agentId: string) => void;
}

/**
 * `POST /revoke` (RFC 7009 §2.1). Client authentication is required. A client revokes only its
 * own tokens: a token issued to another client is refused with `unauthorized_client` (§2.1: "the
 * request is refused and the client is informed of the error"). An invalid, unknown or expired
 * token is answered 200 with nothing done (§2.2). `token_type_hint` is advisory: we only issue
 * access tokens, so any hint leads to the same search.
 */
export async function handleRevocationRequest(deps: RevocationEndpointDeps, request: OAuthRequest): Promise<OAuthResponse> {
  const now = deps.clock.now();
  let authenticated: AuthenticatedClient | undefined;
  try {
    const { authenticated: client, token, caller } = await readTokenParameterRequest(deps, request, (known) => (authenticated = known));

    const verified = verifyOwnAccessToken(token, { issuer: deps.issuer, keys: deps.keys, nowMs: now });
    if (verified.status === 'valid' && verified.claims.client_id !== caller.id) {
      throw unauthorizedClient('token belongs to another client');
    }
    const revoking = verified.status === 'valid';
    const record: AuditInput = {
      time: now,
      event: 'access_token.revoked',
      outcome: 'success',
      agentId: caller.id,
      actor: `agent:${caller.id}`,
      sourceIp: request.sourceIp,
      reason: revoking ? null : verified.status === 'expired' ? 'token already expired' : `not a token of ours: ${verified.reason}`,
      requestId: request.requestId,
      details: revoking ? { jti: verified.claims.jti, revoked: true } : { revoked: false },
    };
    if (revoking) {
      // The assertion is claimed first (a replayed one revokes nothing); then the revocation and
      // its record commit in one transaction.
      await claimAuthenticated(deps.commitLog, client.replayClaim, record);
      await deps.store.revokeToken({ jti: verified.claims.jti, agentId: verified.claims.sub, revokedAt: now, expiresAt: verified.claims.exp * 1000 }, () => [record]);
      deps.onTokenRevoked?.(verified.claims.jti, verified.claims.sub);
    } else {
      await commitAuthenticated(deps.commitLog, client.replayClaim, record);
    }
    return { status: 200, body: '', headers: { ...NO_STORE_HEADERS } };
  } catch (error) {
    return auditRefusal(deps.commitLog, request, error, { event: 'access_token.revoked', agentId: authenticated?.client.agent.id, now, claim: authenticated?.replayClaim });
  }
}
