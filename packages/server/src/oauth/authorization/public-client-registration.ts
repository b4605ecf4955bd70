import { isPrivilegedScope, parseScope } from '@agentauth/protocol';
import type { Clock } from '../../clock.js';
import type { Random } from '../../random.js';
import type { AuthorizationStore, PublicClientRecord } from '../../store/ports/authorization-store.js';
import { invalidClientMetadata, invalidRedirectUri, quoted } from '../oauth-error.js';
import { MAX_REDIRECT_URIS, redirectUriProblem } from './redirect-uri.js';
import type { RequestContext } from './authorization-codes.js';

/** Grant types a public client may register (OAuth 2.1 §4.1, §4.3). */
const PUBLIC_GRANT_TYPES = ['authorization_code', 'refresh_token'];
const MAX_NAME_LENGTH = 100;
const MAX_SCOPES = 32;

/** Whether an RFC 7591 request asks for a public client (`token_endpoint_auth_method: none`). */
export function isPublicClientRequest(body: unknown): boolean {
  return typeof body === 'object' && body !== null && !Array.isArray(body) && (body as Record<string, unknown>)['token_endpoint_auth_method'] === 'none';
}

/**
 * RFC 7591 §3 registration of a public client (§2 `token_endpoint_auth_method: none`): it holds no
 * secret, so it gets no registration access token and can only send people through the
 * authorization endpoint, where each person decides. Checked strictly (§3.2.2: a refusal names the
 * field): `redirect_uris` required, 1 to 10 (see `redirectUriProblem`, else
 * `invalid_redirect_uri`); `grant_types` within `authorization_code` and `refresh_token`, with
 * `authorization_code`; `response_types` only `code`; `scope` without `agentauth:*`. Unknown fields
 * are ignored (§2). Registered with its `public_client.registered` record in one write; returns
 * the client information response (§3.2.1).
 */
export async function registerPublicClient(
  deps: { clock: Clock; random: Random; store: Pick<AuthorizationStore, 'registerPublicClient'> },
  body: Record<string, unknown>,
  ctx: RequestContext,
): Promise<Record<string, unknown>> {
  const redirectUris = body['redirect_uris'];
  if (!Array.isArray(redirectUris) || redirectUris.length === 0 || redirectUris.length > MAX_REDIRECT_URIS) {
    throw invalidRedirectUri(`redirect_uris must be an array of 1 to ${MAX_REDIRECT_URIS} redirect URIs`);
  }
  for (const uri of redirectUris) {
    const problem = redirectUriProblem(uri);
    if (problem !== undefined) throw invalidRedirectUri(problem);
  }
  const grantTypes = body['grant_types'] ?? ['authorization_code'];
  if (!Array.isArray(grantTypes) || !grantTypes.includes('authorization_code') || !grantTypes.every((g) => typeof g === 'string' && PUBLIC_GRANT_TYPES.includes(g))) {
    throw invalidClientMetadata('grant_types of a public client must include authorization_code and may add only refresh_token');
  }
  const responseTypes = body['response_types'] ?? ['code'];
  if (!Array.isArray(responseTypes) || responseTypes.length !== 1 || responseTypes[0] !== 'code') throw invalidClientMetadata('response_types must be ["code"]');
  const name = body['client_name'] ?? '';
  if (typeof name !== 'string' || name.length > MAX_NAME_LENGTH || !/^[^\p{Cc}]*$/u.test(name)) throw invalidClientMetadata(`client_name must be a string of at most ${MAX_NAME_LENGTH} printable characters`);
  const scopeText = body['scope'] ?? '';
  const scopes = typeof scopeText === 'string' ? parseScope(scopeText) : undefined;
  if (scopes === undefined || scopes.length > MAX_SCOPES) throw invalidClientMetadata(`scope must be at most ${MAX_SCOPES} scope-tokens separated by single spaces (RFC 6749 §3.3)`);
  const privileged = scopes.find(isPrivilegedScope);
  if (privileged !== undefined) throw invalidClientMetadata(`scope ${quoted(privileged)}: agentauth:* scopes are never granted to public clients`);

  const now = deps.clock.now();
  const record: PublicClientRecord = { clientId: `pub_${deps.random.token(16)}`, name: name.trim(), redirectUris: [...(redirectUris as string[])], scopes: [...new Set(scopes)], createdAt: now };
  await deps.store.registerPublicClient(record, [
    { time: now, event: 'public_client.registered', outcome: 'success', agentId: null, actor: ctx.actor, sourceIp: ctx.sourceIp, reason: null, requestId: ctx.requestId, details: { client_id: record.clientId, client_name: record.name, redirect_uris: record.redirectUris, scope: record.scopes.join(' ') } },
  ]);
  return {
    client_id: record.clientId,
    client_id_issued_at: Math.floor(now / 1000),
    ...(record.name === '' ? {} : { client_name: record.name }),
    redirect_uris: record.redirectUris,
    grant_types: [...new Set(grantTypes as string[])],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
    ...(record.scopes.length === 0 ? {} : { scope: record.scopes.join(' ') }),
  };
}
