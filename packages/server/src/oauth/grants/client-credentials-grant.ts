import { APPROVAL_FLOW_HINT } from '../../policy/policy-outcome.js';
import { invalidAuthorizationDetails, invalidScope } from '../oauth-error.js';
import type { ApprovalGate } from './approval-gate.js';
import type { GrantHandler } from './grant-handler.js';
import { resolveGrant } from './resolve-grant.js';

/**
 * RFC 6749 §4.4 client credentials: the agent asks for itself. Audience and scope are resolved
 * strictly against the agent's allowed resources and scopes (see `resolveGrant`). What needs a
 * person's approval (`approvals`, docs/approvals.md) is never issued here: a requested scope that
 * needs one is refused with `invalid_scope` naming the approval flow, and left out of the default
 * scopes; RFC 9396 `authorization_details` (for one resource) are issued only when none needs one.
 */
export function clientCredentialsGrant(options: { issuer: string; accessTokenTtl: number; approvals?: ApprovalGate }): GrantHandler {
  return async ({ form, client }) => {
    const { agent } = client.client;
    const grant = resolveGrant(agent, options.issuer, form.getAll('resource'), form.get('scope'));
    let scopes = grant.scopes;
    const gated = options.approvals?.scopesNeedingApproval(scopes) ?? [];
    if (gated.length > 0) {
      if (form.has('scope')) throw invalidScope(`scope '${gated[0] as string}' needs a person's approval: ${APPROVAL_FLOW_HINT}`, `scope ${(gated[0] as string).slice(0, 100)} needs approval`);
      scopes = scopes.filter((s) => !gated.includes(s));
    }
    const rawDetails = form.get('authorization_details');
    let authorizationDetails;
    if (rawDetails !== undefined) {
      if (options.approvals === undefined) throw invalidAuthorizationDetails('authorization_details are not supported by this server');
      if (grant.audience.length !== 1) throw invalidAuthorizationDetails('authorization_details need exactly one resource: a token with details is for one resource');
      authorizationDetails = options.approvals.detailsWithoutApproval(rawDetails, grant.audience[0] as string);
    }
    return {
      subject: agent.id,
      audience: grant.audience,
      scopes,
      ttl: agent.accessTokenTtl ?? options.accessTokenTtl,
      ...(authorizationDetails === undefined ? {} : { authorizationDetails }),
      auditDetails: authorizationDetails === undefined ? {} : { authorization_details: authorizationDetails.map((d) => d.type) },
    };
  };
}
