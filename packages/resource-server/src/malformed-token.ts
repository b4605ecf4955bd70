import { decodeJwt, decodeProtectedHeader } from 'jose';
import { VerificationError, type AuthScheme } from './verification-error.js';

/**
 * Whether the token is no JWT at all: not a compact JWS whose header and claims set are JSON
 * objects (RFC 7515 §7.1, RFC 7519 §7.2), the judgement `verifyAccessToken` makes as
 * `ERR_TOKEN_MALFORMED`. agentauth access tokens are always JWTs (RFC 9068), in introspection
 * mode too. Says nothing of the signature or the claims.
 */
export function isMalformedToken(token: string): boolean {
  try {
    decodeProtectedHeader(token);
    decodeJwt(token);
    return false;
  } catch {
    return true;
  }
}

/**
 * The refusal the client hears when the way a token was presented is wrong (DPoP required, a
 * missing or invalid proof): unless the token itself is garbage, which is then what the refusal
 * names (`invalid_token`, RFC 6750 §3.1), since no proof could ever make it acceptable. Called on
 * refusals only, so an accepted request pays nothing for it.
 */
export function tokenFirst(token: string, scheme: AuthScheme, refusal: VerificationError): VerificationError {
  if (refusal.status !== 401 || !isMalformedToken(token)) return refusal;
  // The challenge keeps the refusal's scheme: where only DPoP is accepted, Bearer is never offered.
  return new VerificationError('ERR_TOKEN_MALFORMED', { scheme: refusal.scheme ?? scheme, message: 'access token is malformed', cause: refusal });
}
