import type { AgentService } from '../agents/agent-service.js';
import { AgentError } from '../agents/agent-error.js';
import type { CommitLog } from '../audit/commit-log.js';
import { authenticateByOwnKey, type OwnKeyRequest } from '../oauth/client-auth/authenticate-by-own-key.js';
import type { ClientAuthenticationDeps } from '../oauth/client-auth/authenticate-client.js';
import { invalidClient, invalidRequest } from '../oauth/oauth-error.js';

/** The slice of `Deps` self-service key rotation needs. */
export interface SelfServiceKeysDeps {
  /** Client authentication, exactly as at the token endpoint. */
  auth: ClientAuthenticationDeps;
  commitLog: CommitLog;
  agents: AgentService;
}

/** A request to the self-service key routes, framework-free. */
export type SelfServiceKeyRequest = OwnKeyRequest;

/** Longest JWK accepted in the `jwk` parameter, in characters. */
const MAX_JWK_LENGTH = 8 * 1024;

/**
 * `POST /agents/self/keys`: an agent adds a public key to itself (docs/agent-sdk.md, "Key
 * rotation"). Authentication is `private_key_jwt` only (RFC 7523 §2.2, the assertion's `aud` the
 * issuer, its `jti` single-use across nodes): an agent proves possession of a key it already has
 * to add the next one, so no secret is ever shared. A client secret, a certificate or a federated
 * JWT cannot rotate keys. The change goes through the registry (same validation, same
 * `credential.added` record with actor `agent:<id>`).
 *
 * Does NOT limit how often an agent rotates beyond the registry's bound on credentials per agent.
 */
export async function addOwnKey(deps: SelfServiceKeysDeps, request: SelfServiceKeyRequest): Promise<{ agentId: string; credentialId: string; kid: string }> {
  const { form, agentId } = await authenticate(deps, request);
  const text = form.get('jwk');
  if (text === undefined || text.length > MAX_JWK_LENGTH) throw invalidRequest('jwk missing or too long');
  let jwk: unknown;
  try {
    jwk = JSON.parse(text);
  } catch {
    throw invalidRequest('jwk is not JSON');
  }
  try {
    const added = await deps.agents.addCredential(agentId, { type: 'jwk', jwk }, contextOf(agentId, request));
    return { agentId, credentialId: added.credential.id, kid: added.credential.kind === 'jwk' ? added.credential.kid : '' };
  } catch (error) {
    throw toOAuthError(error);
  }
}

/**
 * `POST /agents/self/keys/revoke`: an agent removes one of its keys by `kid`. The key that signed
 * this very request cannot be removed by it (an agent cannot lock itself out by accident, and a
 * rotation proves the new key works before the old one goes). Tokens are not revoked: they are
 * bound to the agent, not to the key (a `credential_removed` revocation event is still published).
 */
export async function removeOwnKey(deps: SelfServiceKeysDeps, request: SelfServiceKeyRequest): Promise<{ agentId: string; kid: string }> {
  const { form, agentId, credentialId, keys } = await authenticate(deps, request);
  const kid = form.get('kid');
  if (kid === undefined) throw invalidRequest('kid missing');
  const target = keys.find((k) => k.kid === kid);
  if (target === undefined) throw invalidRequest('no key with this kid on the agent');
  if (target.credentialId === credentialId) throw invalidRequest('a key cannot remove itself');
  try {
    await deps.agents.removeCredential(agentId, target.credentialId, contextOf(agentId, request));
  } catch (error) {
    throw toOAuthError(error);
  }
  return { agentId, kid };
}

async function authenticate(deps: SelfServiceKeysDeps, request: SelfServiceKeyRequest) {
  const { form, agentId, credentialId, client } = await authenticateByOwnKey(deps, request, 'self_service_keys');
  const keys = client.keys.map((k) => ({ kid: k.kid, credentialId: k.credentialId }));
  return { form, agentId, credentialId, keys };
}

function contextOf(agentId: string, request: SelfServiceKeyRequest) {
  return { actor: `agent:${agentId}`, sourceIp: request.sourceIp, requestId: request.requestId };
}

/** Registry refusals are the caller's mistake: `invalid_request` with the fixed description. */
function toOAuthError(error: unknown): unknown {
  if (!(error instanceof AgentError)) return error;
  if (error.code === 'not_found') return invalidClient(`agent vanished: ${error.message}`);
  return invalidRequest(`key refused: ${error.message}`);
}
