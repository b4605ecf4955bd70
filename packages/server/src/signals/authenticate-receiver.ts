import { SCOPE_SIGNALS } from '@agentauth/protocol';
import { checkOwnApiToken, type OwnApiTokenDeps } from '../oauth/own-api-token.js';
import { insufficientScope, invalidToken } from '../oauth/oauth-error.js';

export type ReceiverAuthDeps = OwnApiTokenDeps;

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
 * @throws {OAuthError} 401 `invalid_token` (with an RFC 6750 §3 challenge) or 403 `insufficient_scope`.
 */
export async function authenticateReceiver(deps: ReceiverAuthDeps, authorization: string | undefined): Promise<Receiver> {
  const checked = await checkOwnApiToken(deps, authorization, SCOPE_SIGNALS);
  if (checked.ok) return { agentId: checked.agentId };
  if (checked.status === 403) throw insufficientScope(SCOPE_SIGNALS, `access token of ${checked.agentId ?? 'unknown'} lacks ${SCOPE_SIGNALS}`);
  // RFC 6750 §3.1: a request without credentials gets a bare challenge, without an error code.
  throw invalidToken(checked.reason, checked.presented);
}
