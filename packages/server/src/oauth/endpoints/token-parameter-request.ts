import type { AuthenticatedClient } from '../client-auth/authenticate-client.js';
import { authenticateClientWithinLimits } from '../client-auth/authenticate-within-limits.js';
import { FormParameters } from '../form-parameters.js';
import { invalidRequest, OAuthError } from '../oauth-error.js';
import type { OAuthRequest } from '../oauth-request.js';

/**
 * The start RFC 7662 §2.1 (introspection) and RFC 7009 §2.1 (revocation) share: the strict form,
 * the client authenticated within the failure limits, and the required `token` parameter. The
 * client is handed to `onAuthenticated` as soon as it is known, so that a refusal after that point
 * is audited as the client's and consumes its assertion.
 */
export async function readTokenParameterRequest(
  deps: Parameters<typeof authenticateClientWithinLimits>[0],
  request: OAuthRequest,
  onAuthenticated: (client: AuthenticatedClient) => void,
): Promise<{ authenticated: AuthenticatedClient; token: string; caller: AuthenticatedClient['client']['agent']; form: FormParameters }> {
  const form = FormParameters.parse(request.body);
  if (form instanceof OAuthError) throw form;
  const authenticated = await authenticateClientWithinLimits(deps, form, request);
  onAuthenticated(authenticated);
  const token = form.get('token');
  if (token === undefined) throw invalidRequest('token missing');
  return { authenticated, token, caller: authenticated.client.agent, form };
}
