import type { FormParameters } from '../form-parameters.js';
import type { ClientCertificate } from '../mtls/client-certificate.js';
import { TooManyFailuresError } from '../oauth-error.js';
import { authenticateClient, ClientAuthenticationError, type AuthenticatedClient, type ClientAuthenticationDeps } from './authenticate-client.js';

/** What the limits need of a request besides its form. */
export interface LimitedRequest {
  authorization: string | undefined;
  clientCertificate?: ClientCertificate | undefined;
  sourceIp: string | null;
  requestId: string | null;
}

/**
 * {@link authenticateClient} within the failed-authentication limits of `deps.limits`
 * (docs/oauth.md, "Failed authentication limits"); exactly `authenticateClient` without them.
 * The steps: an address past its limit is refused before any credential is checked; a refused
 * authentication (`invalid_client`, or `invalid_grant` for a jwt-bearer grant's own assertion) is
 * counted under the address and the client id it named, and answered 429 once past a limit; a
 * client that authenticated is refused while its client id is past its limit and this address has
 * failed too. Every refusal is {@link TooManyFailuresError}.
 *
 * Does NOT count a malformed request (`invalid_request`: two methods, a lone `client_assertion`):
 * it guesses nothing. Nor a replay caught later, at the group commit.
 */
export async function authenticateClientWithinLimits(
  deps: ClientAuthenticationDeps,
  form: FormParameters,
  request: LimitedRequest,
): Promise<AuthenticatedClient> {
  const { limits } = deps;
  if (limits === undefined) return authenticateClient(deps, form, request.authorization, request.clientCertificate, request.sourceIp);
  const refused = limits.refuseAddress(request.sourceIp);
  if (refused !== undefined) throw new TooManyFailuresError(refused);
  let authenticated: AuthenticatedClient;
  try {
    authenticated = await authenticateClient(deps, form, request.authorization, request.clientCertificate, request.sourceIp);
  } catch (error) {
    if (error instanceof ClientAuthenticationError && error.code !== 'invalid_request') {
      const wait = await limits.recordFailure({ address: request.sourceIp, clientId: error.clientId, requestId: request.requestId });
      if (wait !== undefined) throw new TooManyFailuresError(wait, error);
    }
    throw error;
  }
  const blocked = limits.refuseClient(authenticated.client.agent.id, request.sourceIp);
  if (blocked !== undefined) throw new TooManyFailuresError(blocked);
  return authenticated;
}
