import type { CommitLog } from '../../audit/commit-log.js';
import { FormParameters } from '../form-parameters.js';
import { invalidClient, OAuthError, TooManyFailuresError } from '../oauth-error.js';
import { ClientAuthenticationError, type AuthenticatedClient, type ClientAuthenticationDeps } from './authenticate-client.js';
import { authenticateClientWithinLimits } from './authenticate-within-limits.js';

/** What {@link authenticateByOwnKey} needs. */
export interface OwnKeyAuthenticationDeps {
  /** Client authentication, exactly as at the token endpoint. */
  auth: ClientAuthenticationDeps;
  commitLog: CommitLog;
}

/** A form-encoded request an agent signs with its own key, framework-free. */
export interface OwnKeyRequest {
  /** The form-encoded body. */
  body: string;
  authorization: string | undefined;
  sourceIp: string | null;
  requestId: string | null;
}

/** The agent that signed, and the rest of its form. */
export interface OwnKeyAuthentication {
  form: FormParameters;
  agentId: string;
  /** The credential whose key signed the assertion. */
  credentialId: string;
  client: AuthenticatedClient['client'];
}

/**
 * Authenticates an agent's request about itself (its keys, its certificate) by `private_key_jwt`
 * only (RFC 7523 §2.2: the assertion's `aud` the issuer, within the failed-authentication limits):
 * what only the holder of a registered key may do. A client secret, a certificate or a federated
 * JWT is refused, and the assertion's `jti` is claimed durably, so it is single use on every node.
 * A refusal is audited as `client_authentication.failed` with `endpoint`.
 */
export async function authenticateByOwnKey(deps: OwnKeyAuthenticationDeps, request: OwnKeyRequest, endpoint: string): Promise<OwnKeyAuthentication> {
  const parsed = FormParameters.parse(request.body);
  if (parsed instanceof OAuthError) throw parsed;
  const form = parsed;
  let authenticated;
  try {
    authenticated = await authenticateClientWithinLimits(deps.auth, form, request);
  } catch (error) {
    // Past a failure limit: the failure this request was is audited; one refused unchecked is not.
    const refusal = error instanceof TooManyFailuresError ? error.failure : error;
    if (refusal !== undefined) await auditFailure(deps, request, endpoint, refusal instanceof ClientAuthenticationError ? refusal.clientId : undefined, refusal);
    throw error;
  }
  const agentId = authenticated.client.agent.id;
  if (authenticated.method !== 'private_key_jwt' || authenticated.replayClaim === undefined || authenticated.federated !== undefined) {
    const error = invalidClient(`${endpoint} needs private_key_jwt, used ${authenticated.method}`);
    await auditFailure(deps, request, endpoint, agentId, error);
    throw error;
  }
  // The in-memory claim above stops a replay on this node; this durable one stops it on every node.
  const claimed = await deps.commitLog.commit({ claims: [authenticated.replayClaim], audit: [], issuedTokens: [], onReplay: [] });
  if (!claimed.ok) {
    const error = invalidClient('assertion jti replayed');
    await auditFailure(deps, request, endpoint, agentId, error);
    throw error;
  }
  return { form, agentId, credentialId: authenticated.credentialId, client: authenticated.client };
}

async function auditFailure(deps: OwnKeyAuthenticationDeps, request: OwnKeyRequest, endpoint: string, clientId: string | undefined, error: unknown): Promise<void> {
  const agentId = clientId?.slice(0, 64) ?? null;
  await deps.commitLog.record({
    time: deps.auth.nowMs(),
    event: 'client_authentication.failed',
    outcome: 'failure',
    agentId,
    actor: agentId === null ? null : `agent:${agentId}`,
    sourceIp: request.sourceIp,
    reason: error instanceof OAuthError ? `${error.code}: ${error.detail}` : 'unexpected error',
    requestId: request.requestId,
    details: { endpoint },
  });
}
