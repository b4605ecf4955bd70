import type { GrantType } from '@agentauth/protocol';
import type { PublicClientRecord } from '../../store/ports/authorization-store.js';
import type { AgentRecord } from '../../store/records.js';
import type { AuthenticatedClient } from '../client-auth/authenticate-client.js';

/**
 * A public client as the principal of a policy decision and of the sender-constraint check
 * (docs/policy.md, "Principals"): an `Agent` entity whose id is the `client_id`, tagged
 * `client_type` = `public`, allowed exactly the resource and scopes the person consented to; the
 * person is the request's `context.subject`. It never holds a key or a secret, and it is not in
 * the agent registry: nothing here authenticates anything.
 */
export function publicClientPrincipal(client: PublicClientRecord, resource: string, scopes: readonly string[]): AuthenticatedClient {
  const agent: AgentRecord = {
    id: client.clientId,
    name: client.name,
    owner: '',
    description: '',
    status: 'active',
    scopes: [...scopes],
    resources: [resource],
    grantTypes: [] as GrantType[],
    tokenEndpointAuthMethod: 'none' as AgentRecord['tokenEndpointAuthMethod'],
    accessTokenTtl: null,
    labels: { client_type: 'public' },
    jwksUri: null,
    revokedBefore: null,
    registrationAccessTokenHash: null,
    createdAt: client.createdAt,
    updatedAt: client.createdAt,
    lastSeenAt: null,
    version: 0,
  };
  return { client: { agent, keys: [], secretHashes: [] }, method: 'none', credentialId: '', replayClaim: undefined };
}
