import { ClientAuthenticationError, type AuthenticatedClient, type FederatedAuthenticator } from '../oauth/client-auth/authenticate-client.js';
import type { FederatedIdentity, FederatedLogin } from '../oauth/client-auth/federated-login.js';
import type { ClientDirectory, ClientEntry } from '../oauth/client-directory.js';
import type { FormParameters } from '../oauth/form-parameters.js';
import { invalidClient, invalidGrant, invalidRequest } from '../oauth/oauth-error.js';
import type { FederatedJwtVerifier } from './federated-jwt-verifier.js';
import { standingFault } from '../agents/agent-standing.js';

/**
 * Federated workload login at the client-authentication step (docs/federation.md):
 *
 * - as `client_assertion` (RFC 7523 §2.2): a JWT of a trusted issuer authenticates the agent of
 *   the one binding rule it matches. That agent must be active and registered for
 *   `private_key_jwt` (the RFC 7523 §2.2 method: the binding rule stands in for its registered
 *   key). A `client_id` sent alongside must name that agent. Failures are `invalid_client`.
 * - as the jwt-bearer grant's `assertion` with no client credentials at all (RFC 7523 §3.1: "JWT
 *   authorization grants may be used with or without client authentication"): the assertion is
 *   the workload's authentication. The token endpoint still requires the agent to list the
 *   jwt-bearer grant type. A `client_id` sent (identification without authentication) must name
 *   that agent. Failures are `invalid_grant`, as RFC 7523 §3.1 requires.
 */
export class FederatedClientAuth implements FederatedAuthenticator {
  constructor(private readonly verifier: FederatedJwtVerifier) {}

  /** True when `jwt` names a trusted issuer (unverified), so it is routed here, not to `private_key_jwt`. */
  isFederated(jwt: string): boolean {
    return this.verifier.isFederated(jwt);
  }

  /** The RFC 7523 §2.2 path. Throws `ClientAuthenticationError` (`invalid_client`). */
  async authenticateClientAssertion(directory: ClientDirectory, assertion: string, formClientId: string | undefined): Promise<AuthenticatedClient> {
    const fail = (detail: string, clientId: string | undefined) => new ClientAuthenticationError(invalidClient(`federated: ${detail}`), clientId);
    const identity = await this.verifier.verify(assertion);
    if (typeof identity === 'string') throw fail(identity, formClientId);
    if (formClientId !== undefined && formClientId !== identity.agentId) throw fail('client_id does not name the agent the JWT is bound to', formClientId);
    const client = boundAgent(await directory.get(identity.agentId));
    if (typeof client === 'string') throw fail(client, identity.agentId);
    if (client.agent.tokenEndpointAuthMethod !== 'private_key_jwt') {
      throw fail(`agent registered for ${client.agent.tokenEndpointAuthMethod}, a federated client_assertion is private_key_jwt`, identity.agentId);
    }
    return federated(client, 'private_key_jwt', identity, 'client_assertion');
  }

  /** The RFC 7523 §2.1 / §3.1 path, without client credentials. Throws `ClientAuthenticationError` (`invalid_grant`). */
  async authenticateGrantAssertion(directory: ClientDirectory, form: FormParameters): Promise<AuthenticatedClient> {
    const formClientId = form.get('client_id');
    const assertion = form.get('assertion');
    if (assertion === undefined) throw new ClientAuthenticationError(invalidRequest('assertion missing'), formClientId);
    const fail = (detail: string, clientId: string | undefined) => new ClientAuthenticationError(invalidGrant(`federated: ${detail}`), clientId);
    const identity = await this.verifier.verify(assertion);
    if (typeof identity === 'string') throw fail(identity, formClientId);
    if (formClientId !== undefined && formClientId !== identity.agentId) throw fail('client_id does not name the agent the JWT is bound to', formClientId);
    const client = boundAgent(await directory.get(identity.agentId));
    if (typeof client === 'string') throw fail(client, identity.agentId);
    return federated(client, 'none', identity, 'assertion');
  }

  /**
   * For the jwt-bearer grant when the client DID authenticate by other means: the assertion must
   * bind to that very client (a client cannot obtain tokens for another agent). Throws `invalid_grant`.
   */
  async verifyGrantAssertionFor(agentId: string, assertion: string): Promise<FederatedIdentity> {
    const identity = await this.verifier.verify(assertion);
    if (typeof identity === 'string') throw invalidGrant(`federated: ${identity}`);
    if (identity.agentId !== agentId) throw invalidGrant('federated: the assertion is bound to another agent than the authenticated client');
    return identity;
  }
}

/** The agent a federated JWT is bound to, while it stands (`standingFault`); else why not. */
export function boundAgent(client: ClientEntry | undefined): ClientEntry | string {
  const fault = standingFault(client?.agent);
  return client === undefined || fault !== undefined ? `the bound agent ${fault ?? 'does not exist'}` : client;
}

function federated(client: ClientEntry, method: AuthenticatedClient['method'], identity: FederatedIdentity, via: FederatedLogin['via']): AuthenticatedClient {
  return { client, method, credentialId: identity.bindingRuleId, replayClaim: identity.replayClaim, federated: { identity, via } };
}
