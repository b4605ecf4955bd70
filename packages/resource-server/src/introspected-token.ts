import { parseScope, type IntrospectionResponse } from '@agentauth/protocol';
import { checkBinding, type PresentedBinding } from './confirmation.js';
import { AccessTokenError } from './errors.js';
import { toPrincipal, type Principal } from './principal.js';
import { VerificationError } from './verification-error.js';
import type { VerifiedAccessTokenClaims } from './verify-access-token.js';

const isNonEmptyString = (value: unknown): value is string => typeof value === 'string' && value !== '';

/**
 * Turns an RFC 7662 §2.2 answer into a principal with the checks a local verification makes that
 * the server cannot make for us: `active`; `iss` exactly our issuer; `aud` containing this
 * resource (the server answers for any audience); `exp` and `nbf` against our clock (a cached
 * answer may outlive the token); `sub`, `client_id`, `jti`, `iat` present; `scope` well-formed;
 * the `cnf` binding against what the request proved (RFC 9449 §6.2, RFC 8705 §3.2).
 */
export function verifyIntrospected(
  answer: IntrospectionResponse,
  context: { issuer: string; resource: string; nowMs: number; skew: number; binding: PresentedBinding },
): Principal {
  if (answer.active !== true) throw new VerificationError('ERR_TOKEN_INACTIVE');
  if (answer.iss !== context.issuer) throw new AccessTokenError('ERR_TOKEN_ISSUER');
  const aud = answer.aud;
  const audiences = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud : [];
  if (!audiences.includes(context.resource)) throw new AccessTokenError('ERR_TOKEN_AUDIENCE');
  const nowSeconds = context.nowMs / 1000;
  if (typeof answer.exp !== 'number' || answer.exp <= nowSeconds - context.skew) throw new AccessTokenError('ERR_TOKEN_EXPIRED');
  if (typeof answer.nbf === 'number' && answer.nbf > nowSeconds + context.skew) throw new AccessTokenError('ERR_TOKEN_NOT_YET_VALID');
  if (!isNonEmptyString(answer.sub) || !isNonEmptyString(answer.client_id) || !isNonEmptyString(answer.jti) || typeof answer.iat !== 'number') {
    throw new AccessTokenError('ERR_TOKEN_CLAIMS');
  }
  const scopes = answer.scope === undefined ? [] : typeof answer.scope === 'string' ? parseScope(answer.scope) : undefined;
  if (scopes === undefined) throw new AccessTokenError('ERR_TOKEN_CLAIMS');
  const binding = checkBinding(answer.cnf, context.binding);
  const { active: _active, token_type: _type, ...claims } = answer;
  return toPrincipal(claims as unknown as VerifiedAccessTokenClaims, scopes, binding);
}
