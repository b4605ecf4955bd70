import { invalidAuthorizationDetails } from '../oauth-error.js';
import type { ApprovalGate } from './approval-gate.js';
import type { GrantHandler } from './grant-handler.js';
import { resolveGrant } from './resolve-grant.js';

/**
 * RFC 6749 §4.4 client credentials: the agent asks for itself. Audience and scope are resolved
 * strictly against the agent's allowed resources and scopes (see `resolveGrant`). RFC 9396
 * `authorization_details` (for one resource) are issued only when none needs a person's approval
 * (`approvals`, docs/approvals.md); the token endpoint keeps approval scopes out
 * (`withoutUnapproved`).
 */
export function clientCredentialsGrant(options: { issuer: string; accessTokenTtl: number; approvals?: ApprovalGate }): GrantHandler {
  return async ({ form, client }) => {
    const { agent } = client.client;
    const grant = resolveGrant(agent, options.issuer, form.getAll('resource'), form.get('scope'));
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
      scopes: grant.scopes,
      ttl: agent.accessTokenTtl ?? options.accessTokenTtl,
      ...(authorizationDetails === undefined ? {} : { authorizationDetails }),
      auditDetails: authorizationDetails === undefined ? {} : { authorization_details: authorizationDetails.map((d) => d.type) },
    };
  };
}
