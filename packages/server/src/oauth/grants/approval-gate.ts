import type { AuthorizationDetail } from '@agentauth/protocol';
import { APPROVAL_FLOW_HINT } from '../../policy/policy-outcome.js';
import type { FormParameters } from '../form-parameters.js';
import { invalidRequest, invalidScope } from '../oauth-error.js';
import type { GrantOutcome } from './grant-handler.js';

/**
 * What needs a person's approval (docs/approvals.md), as the grants that issue tokens without one
 * ask it: the approvals part implements it from the configured scopes and detail types.
 */
export interface ApprovalGate {
  /** Of `scopes`, those a token may carry only with an approval. */
  scopesNeedingApproval(scopes: readonly string[]): string[];
  /**
   * Parses an RFC 9396 `authorization_details` parameter for a token for `resource` issued without
   * approval; throws `invalid_authorization_details` when they are malformed or when any needs
   * approval (the description names the approval flow).
   */
  detailsWithoutApproval(raw: string, resource: string): AuthorizationDetail[];
}

/**
 * The one place the token endpoint keeps what needs approval out of every token issued without
 * one, whatever the grant (client credentials, RFC 8693 exchange, jwt-bearer): a scope that needs
 * approval is refused with `invalid_scope` naming the approval flow when the client asked for it,
 * and dropped from a default; `authorization_details` are refused where the grant did not take
 * them (only client credentials and the CIBA grant do). An approved outcome passes as it is.
 */
export function withoutUnapproved(gate: ApprovalGate | undefined, form: FormParameters, outcome: GrantOutcome): GrantOutcome {
  if (outcome.approved === true) return outcome;
  if (form.has('authorization_details') && outcome.authorizationDetails === undefined) {
    throw invalidRequest('authorization_details are taken only by grant_type client_credentials and by the CIBA grant (RFC 9396, docs/approvals.md)');
  }
  const gated = gate?.scopesNeedingApproval(outcome.scopes) ?? [];
  if (gated.length === 0) return outcome;
  if (form.has('scope')) throw invalidScope(`scope '${gated[0] as string}' needs a person's approval: ${APPROVAL_FLOW_HINT}`, `scope ${(gated[0] as string).slice(0, 100)} needs approval`);
  return { ...outcome, scopes: outcome.scopes.filter((s) => !gated.includes(s)) };
}
