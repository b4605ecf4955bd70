import { isPrivilegedScope, parseScope } from '@agentauth/protocol';
import { invalidClientMetadata, invalidRedirectUri, quoted } from '../oauth-error.js';
import { MAX_REDIRECT_URIS, redirectUriProblem } from '../../net/redirect-uri.js';

/** Grant types a public client may hold (OAuth 2.1 §4.1, §4.3). */
const PUBLIC_GRANT_TYPES = ['authorization_code', 'refresh_token'];
/** Longest `client_name` kept and shown. */
export const MAX_CLIENT_NAME_LENGTH = 100;
const MAX_SCOPES = 32;

/** The RFC 7591 §2 metadata of a public client, checked. */
export interface PublicClientMetadata {
  redirectUris: string[];
  grantTypes: string[];
  /** Trimmed; empty when the client gave none. */
  name: string;
  scopes: string[];
}

/**
 * The rules every public client's RFC 7591 §2 metadata obeys, wherever it comes from (a
 * registration request, a Client ID Metadata Document): `redirect_uris` required, 1 to 10 (see
 * `redirectUriProblem`, else `invalid_redirect_uri`); `grant_types` within `authorization_code` and
 * `refresh_token`, with `authorization_code`; `response_types` only `code`; `client_name` at most
 * 100 printable characters; `scope` at most 32 scope-tokens, never `agentauth:*`. Unknown fields
 * are ignored (§2). A refusal names the field and the rule (§3.2.2).
 *
 * Does NOT check `token_endpoint_auth_method`: each caller has its own rule.
 *
 * @throws {OAuthError} `invalid_redirect_uri` or `invalid_client_metadata`
 */
export function readPublicClientMetadata(body: Record<string, unknown>): PublicClientMetadata {
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
  if (typeof name !== 'string' || name.length > MAX_CLIENT_NAME_LENGTH || !/^[^\p{Cc}]*$/u.test(name)) {
    throw invalidClientMetadata(`client_name must be a string of at most ${MAX_CLIENT_NAME_LENGTH} printable characters`);
  }
  const scopeText = body['scope'] ?? '';
  const scopes = typeof scopeText === 'string' ? parseScope(scopeText) : undefined;
  if (scopes === undefined || scopes.length > MAX_SCOPES) throw invalidClientMetadata(`scope must be at most ${MAX_SCOPES} scope-tokens separated by single spaces (RFC 6749 §3.3)`);
  const privileged = scopes.find(isPrivilegedScope);
  if (privileged !== undefined) throw invalidClientMetadata(`scope ${quoted(privileged)}: agentauth:* scopes are never granted to public clients`);
  return { redirectUris: [...(redirectUris as string[])], grantTypes: [...new Set(grantTypes as string[])], name: name.trim(), scopes: [...new Set(scopes)] };
}
