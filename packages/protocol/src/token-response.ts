import type { AuthorizationDetail } from './access-token-claims.js';

/** RFC 6749 §5.1 successful token response. */
export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer' | 'DPoP';
  expires_in: number;
  scope?: string;
  /** RFC 8693 §2.2.1 */
  issued_token_type?: string;
  /** RFC 9396 §7: the authorization details the token carries. */
  authorization_details?: AuthorizationDetail[];
}

/** What {@link checkTokenResponse} found: the response, or what is wrong with it. */
export type TokenResponseCheck = { ok: true; response: TokenResponse } | { ok: false; problem: string };

/**
 * Checks a successful token response's JSON object (RFC 6749 §5.1, RFC 8693 §2.2.1): a non-empty
 * `access_token`, a `token_type` of Bearer or DPoP (compared case-insensitively, returned in this
 * spelling), a positive integer `expires_in` (RECOMMENDED by the RFC; an agentauth server always
 * sends it, so its absence is a fault) and a string `scope` if any. Other members are kept as
 * they are.
 *
 * Does not check what the token is, nor that `scope` is what was asked for.
 */
export function checkTokenResponse(body: Readonly<Record<string, unknown>>): TokenResponseCheck {
  const { access_token: accessToken, token_type: tokenType, expires_in: expiresIn, scope } = body;
  if (typeof accessToken !== 'string' || accessToken === '') return { ok: false, problem: 'the token response has no "access_token"' };
  const normalizedType = typeof tokenType === 'string' ? tokenType.toLowerCase() : undefined;
  if (normalizedType !== 'bearer' && normalizedType !== 'dpop') return { ok: false, problem: 'the token response "token_type" is not Bearer or DPoP' };
  if (typeof expiresIn !== 'number' || !Number.isInteger(expiresIn) || expiresIn <= 0) {
    return { ok: false, problem: 'the token response has no positive integer "expires_in"' };
  }
  if (scope !== undefined && typeof scope !== 'string') return { ok: false, problem: 'the token response "scope" is not a string' };
  return { ok: true, response: { ...body, access_token: accessToken, token_type: normalizedType === 'bearer' ? 'Bearer' : 'DPoP', expires_in: expiresIn, ...(scope === undefined ? {} : { scope }) } };
}
