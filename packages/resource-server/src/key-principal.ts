import { introspectionCutover, parseScope, type IntrospectionResponse } from '@agentauth/protocol';
import { cutoverHeaders } from './migration-window.js';
import { AccessTokenError } from './errors.js';
import { toPrincipal, type Principal } from './principal.js';
import { VerificationError } from './verification-error.js';
import type { VerifiedAccessTokenClaims } from './verify-access-token.js';

/**
 * The principal of a key the server vouched for (an RFC 7662 answer about a managed key or an
 * imported one's digest), checked as strictly as a token: active and of the expected type, this
 * issuer, this resource among its audiences, unexpired, its identity claims present. A key in
 * its cut-over's `warn` stage gets the rule's dates in its headers (`cutoverHeaders`) and
 * `stage: 'warn'`. Throws `VerificationError` or `AccessTokenError` as token checks do.
 */
export function keyPrincipal(
  answer: IntrospectionResponse,
  expect: { tokenType: string; kind: 'managed' | 'imported'; issuer: string; resource: string; now: number; headers: Readonly<Record<string, string>> },
): Principal {
  if (answer.active !== true || answer.token_type !== expect.tokenType) throw new VerificationError('ERR_TOKEN_INACTIVE');
  if (answer.iss !== expect.issuer) throw new AccessTokenError('ERR_TOKEN_ISSUER');
  const audiences = Array.isArray(answer.aud) ? answer.aud : [];
  if (!audiences.includes(expect.resource)) throw new AccessTokenError('ERR_TOKEN_AUDIENCE');
  if (typeof answer.exp !== 'number' || answer.exp * 1000 <= expect.now) throw new AccessTokenError('ERR_TOKEN_EXPIRED');
  if (!isNonEmptyString(answer.sub) || !isNonEmptyString(answer.client_id) || !isNonEmptyString(answer['key_id']) || typeof answer.iat !== 'number') throw new AccessTokenError('ERR_TOKEN_CLAIMS');
  const scopes = answer.scope === undefined ? [] : typeof answer.scope === 'string' ? parseScope(answer.scope) : undefined;
  if (scopes === undefined) throw new AccessTokenError('ERR_TOKEN_CLAIMS');
  const claims = { iss: answer.iss, sub: answer.sub, client_id: answer.client_id, aud: audiences, exp: answer.exp, iat: answer.iat, jti: answer['key_id'], ...(answer.scope === undefined ? {} : { scope: answer.scope }) };
  const headers = cutoverHeaders(expect.headers, introspectionCutover(answer));
  return { ...toPrincipal(claims as unknown as VerifiedAccessTokenClaims, scopes, 'bearer'), apiKey: { id: answer['key_id'], kind: expect.kind, headers, ...(headers === expect.headers ? {} : { stage: 'warn' as const }) } };
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value !== '';
}
