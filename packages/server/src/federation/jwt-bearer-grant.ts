import type { GrantHandler } from '../oauth/grants/grant-handler.js';
import { resolveGrant } from '../oauth/grants/resolve-grant.js';
import { invalidRequest } from '../oauth/oauth-error.js';
import type { ReplayClaim } from '../store/ports/replay-claim-store.js';
import type { FederatedClientAuth } from './federated-client-auth.js';
import type { FederatedIdentity } from '../oauth/client-auth/federated-login.js';

/**
 * RFC 7523 §2.1 JWT bearer authorization grant (`grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer`)
 * for federated workloads: the `assertion` is a JWT of a trusted issuer, bound by exactly one
 * binding rule to an agent, and the token is issued to that agent for itself, with audience and
 * scope resolved exactly as for client_credentials (`resolveGrant`).
 *
 * Client authentication (RFC 7523 §3.1):
 * - none presented: the assertion authenticated the workload already (`federatedGrant` in the
 *   client-authentication step), and is not verified twice;
 * - presented: it was validated ("if client credentials are present ... MUST validate them"), and
 *   the assertion must bind to that same agent, else `invalid_grant`.
 *
 * The token never outlives the assertion. Exactly one `assertion` (RFC 7523 §2.1: "MUST contain a
 * single JWT"; duplicates are refused by the form parser).
 */
export function jwtBearerGrant(options: { issuer: string; accessTokenTtl: number; federation: FederatedClientAuth; nowMs: () => number }): GrantHandler {
  return async ({ form, client }) => {
    const assertion = form.get('assertion');
    if (assertion === undefined) throw invalidRequest('assertion missing');
    const { agent } = client.client;

    let identity: FederatedIdentity;
    const replayClaims: ReplayClaim[] = [];
    if (client.federated?.via === 'assertion') {
      identity = client.federated.identity;
    } else {
      identity = await options.federation.verifyGrantAssertionFor(agent.id, assertion);
      if (identity.replayClaim !== undefined) replayClaims.push(identity.replayClaim);
    }

    const grant = resolveGrant(agent, options.issuer, form.getAll('resource'), form.get('scope'));
    const remaining = identity.exp - Math.floor(options.nowMs() / 1000);
    const ttl = Math.max(1, Math.min(agent.accessTokenTtl ?? options.accessTokenTtl, remaining));
    return {
      subject: agent.id,
      audience: grant.audience,
      scopes: grant.scopes,
      ttl,
      replayClaims,
      auditDetails: {
        federated_issuer: identity.issuer.slice(0, 300),
        trusted_issuer_id: identity.trustedIssuerId,
        binding_rule_id: identity.bindingRuleId,
        federated_sub: identity.subject?.slice(0, 300) ?? null,
      },
    };
  };
}
