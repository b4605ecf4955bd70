import { Type, type Static } from 'typebox';
import { USER_ID_PATTERN } from '../../store/ports/user-store.js';
import { AgentId } from './agent.js';
import { NullableTime, Time } from './primitives.js';

/**
 * Agents acting for people on the admin API's wire (docs/admin-api.md, "People"; docs/people.md,
 * "Agents acting for you"): what a person sees at `/account/agents`, for operators.
 */

/** An agent acting for a person. */
export const Delegation = Type.Object(
  {
    agent_id: Type.String(),
    client_id: Type.String(),
    grant_id: Type.String(),
    scope: Type.String(),
    resources: Type.Array(Type.String()),
    first_used_at: Time,
    last_used_at: Time,
    revoked_at: NullableTime,
  },
  { additionalProperties: false },
);
export type Delegation = Static<typeof Delegation>;

/** `GET /users/{id}/delegations`. */
export const DelegationList = Type.Object({ items: Type.Array(Delegation) }, { additionalProperties: false });
export type DelegationList = Static<typeof DelegationList>;

/** `/users/{id}/delegations/{agent_id}/...`. */
export const DelegationParams = Type.Object({ id: Type.String({ pattern: USER_ID_PATTERN.source }), agent_id: AgentId }, { additionalProperties: false });
