import { ACCESS_TOKEN_TYP, SIGNING_ALGS, type AccessTokenClaims } from '@agentauth/protocol';
import { decodeProtectedHeader, jwtVerify, errors as joseErrors } from 'jose';
import type { SigningKeyRing } from '../keys/signing-key-ring.js';

/** Our access tokens are small; anything longer is not one of ours. */
const MAX_TOKEN_LENGTH = 8 * 1024;
const CLOCK_SKEW_SECONDS = 5;

export type OwnTokenResult =
  | { status: 'valid'; claims: AccessTokenClaims }
  /** Signed by us, but past `exp`: revocation of it is a no-op (RFC 7009 §2.2). */
  | { status: 'expired'; claims: AccessTokenClaims }
  | { status: 'invalid'; reason: string };

/**
 * Checks that a presented token is an access token this server issued (RFC 9068 §4 minus the
 * audience, which introspection and revocation do not restrict): signed by a published key of
 * ours with an allow-listed algorithm, `typ: at+jwt`, our `iss`, within `nbf`/`exp`.
 *
 * Does NOT check revocation or the agent's state: callers do, with the store.
 */
export async function verifyOwnAccessToken(
  token: string,
  deps: { issuer: string; keys: Pick<SigningKeyRing, 'publicKey'>; nowMs: number },
): Promise<OwnTokenResult> {
  if (token.length > MAX_TOKEN_LENGTH) return { status: 'invalid', reason: 'token too large' };
  let kid: string | undefined;
  try {
    kid = decodeProtectedHeader(token).kid;
  } catch {
    return { status: 'invalid', reason: 'malformed token' };
  }
  const published = kid === undefined ? undefined : deps.keys.publicKey(kid);
  if (published === undefined) return { status: 'invalid', reason: 'unknown kid' };
  const options = {
    issuer: deps.issuer,
    typ: ACCESS_TOKEN_TYP,
    algorithms: [published.alg].filter((a) => (SIGNING_ALGS as readonly string[]).includes(a)),
    clockTolerance: CLOCK_SKEW_SECONDS,
    currentDate: new Date(deps.nowMs),
    requiredClaims: ['sub', 'aud', 'exp', 'iat', 'jti', 'client_id'],
    crit: {},
  };
  try {
    const { payload } = await jwtVerify(token, published.key, options);
    return { status: 'valid', claims: payload as unknown as AccessTokenClaims };
  } catch (error) {
    if (error instanceof joseErrors.JWTExpired) {
      // Signature and every other claim were checked before the expiry was found.
      return { status: 'expired', claims: error.payload as unknown as AccessTokenClaims };
    }
    return { status: 'invalid', reason: error instanceof joseErrors.JOSEError ? error.code : 'verification failed' };
  }
}
