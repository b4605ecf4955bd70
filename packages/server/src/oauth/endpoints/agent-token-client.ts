import type { AgentRecord } from '../../store/records.js';
import { agentAsClient, isAgentClientId } from '../authorization/agent-client.js';
import type { PublicClient } from '../authorization/client-metadata-document.js';
import type { AuthenticatedClient, ClientAuthenticationDeps } from '../client-auth/authenticate-client.js';
import { authenticateClientWithinLimits } from '../client-auth/authenticate-within-limits.js';
import type { FormParameters } from '../form-parameters.js';
import { unauthorizedClient } from '../oauth-error.js';
import type { OAuthRequest } from '../oauth-request.js';

/** An agent that authenticated at the token endpoint as a client of the authorization code flow. */
export interface AgentTokenClient {
  authenticated: AuthenticatedClient;
  client: PublicClient & { agent: AgentRecord };
}

/**
 * Whether a token request of the authorization code flow comes from an agent, a confidential
 * client: its `client_id` is an agent id, or it names none and carries client credentials
 * (RFC 6749 §4.1.3: `client_id` is required only of a client that does not authenticate). Any
 * other request is a public client's, which presents no credential.
 */
export function isAgentTokenRequest(form: FormParameters, request: Pick<OAuthRequest, 'authorization'>): boolean {
  const clientId = form.get('client_id');
  if (clientId !== undefined) return isAgentClientId(clientId);
  return request.authorization !== undefined || form.has('client_assertion') || form.has('client_assertion_type') || form.has('client_secret');
}

/**
 * Authenticates an agent at the token endpoint for `authorization_code` and `refresh_token`
 * (RFC 6749 §4.1.3, §6: a confidential client MUST authenticate) with the method it registered,
 * exactly as for its other grants (`authenticateClientWithinLimits`: `private_key_jwt` RFC 7523,
 * `tls_client_auth` / `self_signed_tls_client_auth` RFC 8705, or a client secret), within the
 * failed-authentication limits. No credential is `invalid_client` (401, RFC 6749 §5.2). An agent
 * without redirect URIs is not a client of this flow: `unauthorized_client`.
 *
 * `deps` must not trust other issuers' JWTs: a workload's federated login is not an agent's own
 * credential (`keyOwnerAuth`).
 */
export async function authenticateAgentTokenClient(deps: ClientAuthenticationDeps, form: FormParameters, request: OAuthRequest): Promise<AgentTokenClient> {
  const authenticated = await authenticateClientWithinLimits(deps, form, request);
  const client = agentAsClient(authenticated.client.agent);
  if (client === undefined) throw unauthorizedClient('the agent registered no redirect URI: it is not a client of the authorization code flow');
  return { authenticated, client };
}
