import type { GrantHandler } from './grant-handler.js';
import { resolveGrant } from './resolve-grant.js';

/**
 * RFC 6749 §4.4 client credentials: the agent asks for itself. Audience and scope are resolved
 * strictly against the agent's allowed resources and scopes (see `resolveGrant`).
 */
export function clientCredentialsGrant(options: { issuer: string; accessTokenTtl: number }): GrantHandler {
  return async ({ form, client }) => {
    const { agent } = client.client;
    const grant = resolveGrant(agent, options.issuer, form.getAll('resource'), form.get('scope'));
    return {
      subject: agent.id,
      audience: grant.audience,
      scopes: grant.scopes,
      ttl: agent.accessTokenTtl ?? options.accessTokenTtl,
      auditDetails: {},
    };
  };
}
