import type { Clock } from '../../clock.js';
import type { Random } from '../../random.js';
import type { AuthorizationStore, PublicClientRecord } from '../../store/ports/authorization-store.js';
import type { RequestContext } from './authorization-codes.js';
import { readPublicClientMetadata } from './public-client-metadata.js';

/** Whether an RFC 7591 request asks for a public client (`token_endpoint_auth_method: none`). */
export function isPublicClientRequest(body: unknown): boolean {
  return typeof body === 'object' && body !== null && !Array.isArray(body) && (body as Record<string, unknown>)['token_endpoint_auth_method'] === 'none';
}

/**
 * RFC 7591 §3 registration of a public client (§2 `token_endpoint_auth_method: none`): it holds no
 * secret, so it gets no registration access token and can only send people through the
 * authorization endpoint, where each person decides. Checked strictly by the rules of every public
 * client's metadata (`readPublicClientMetadata`; §3.2.2: a refusal names the field). Registered with its `public_client.registered` record in one write; returns
 * the client information response (§3.2.1).
 */
export async function registerPublicClient(
  deps: { clock: Clock; random: Random; store: Pick<AuthorizationStore, 'registerPublicClient'> },
  body: Record<string, unknown>,
  ctx: RequestContext,
): Promise<Record<string, unknown>> {
  const { redirectUris, grantTypes, name, scopes } = readPublicClientMetadata(body);
  const now = deps.clock.now();
  const record: PublicClientRecord = { clientId: `pub_${deps.random.token(16)}`, name, redirectUris, scopes, createdAt: now };
  await deps.store.registerPublicClient(record, [
    { time: now, event: 'public_client.registered', outcome: 'success', agentId: null, actor: ctx.actor, sourceIp: ctx.sourceIp, reason: null, requestId: ctx.requestId, details: { client_id: record.clientId, client_name: record.name, redirect_uris: record.redirectUris, scope: record.scopes.join(' ') } },
  ]);
  return {
    client_id: record.clientId,
    client_id_issued_at: Math.floor(now / 1000),
    ...(record.name === '' ? {} : { client_name: record.name }),
    redirect_uris: record.redirectUris,
    grant_types: grantTypes,
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
    ...(record.scopes.length === 0 ? {} : { scope: record.scopes.join(' ') }),
  };
}
