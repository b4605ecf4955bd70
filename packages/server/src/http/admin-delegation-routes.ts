import { rfc3339, rfc3339OrNull } from '../admin/wire/primitives.js';
import { AdminProblem } from '../admin/problem.js';
import { DelegationList, DelegationParams, type Delegation } from '../admin/wire/delegation.js';
import { UserParams } from '../admin/wire/user.js';
import type { Delegations } from '../oauth/delegation/delegations.js';
import type { UserService } from '../people/user-service.js';
import type { DelegationRecord } from '../store/ports/delegation-store.js';
import { adminRoute, type AdminRoute } from './admin-route.js';

/** The admin API's JSON of an agent acting for a person. */
export function delegationToJson(d: DelegationRecord): Delegation {
  return {
    agent_id: d.agentId,
    client_id: d.clientId,
    grant_id: d.grantId,
    scope: d.scopes.join(' '),
    resources: d.resources,
    first_used_at: rfc3339(d.firstUsedAt),
    last_used_at: rfc3339(d.lastUsedAt),
    revoked_at: rfc3339OrNull(d.revokedAt),
  };
}

/**
 * `/users/{id}/delegations` (docs/admin-api.md, "People"): the agents acting for a person, as the
 * person sees them at `/account/agents`, and revoking one for them, with the same cascade
 * (`Delegations.revoke`). Auditors and operators read; operators and admins revoke.
 */
export function delegationAdminRoutes(delegations: Pick<Delegations, 'list' | 'revoke'>, users: Pick<UserService, 'get'>): AdminRoute[] {
  return [
    adminRoute({
      method: 'GET',
      url: '/users/:id/delegations',
      operationId: 'listUserDelegations',
      summary: 'The agents acting for a person (RFC 8693 exchanges of their tokens), revoked ones included.',
      schema: { params: UserParams },
      success: { status: 200, schema: DelegationList },
      authenticated: true,
      handler: async ({ params }) => {
        await users.get(params.id);
        return { items: (await delegations.list(params.id)).map(delegationToJson) };
      },
    }),
    adminRoute({
      method: 'POST',
      url: '/users/:id/delegations/:agent_id/revoke',
      operationId: 'revokeUserDelegation',
      summary: 'Revoke an agent acting for a person: every token it obtained for them is revoked, and its exchanges refused until the person authorizes again.',
      schema: { params: DelegationParams },
      success: { status: 204, schema: null },
      authenticated: true,
      handler: async ({ params }, reply, ctx) => {
        if (!(await delegations.revoke(params.id, params.agent_id, ctx.audit))) throw new AdminProblem('not_found', 'this agent does not act for this person, or was revoked already');
        reply.code(204);
        return undefined;
      },
    }),
  ];
}
