import { parseScope, timeClaimFault, type AccessTokenClaims } from '@agentauth/protocol';
import { AccessTokenError } from './errors.js';

/** RFC 9068 §2.2 claims as verified; `nbf` is optional in RFC 9068, so it may be absent. */
export type VerifiedAccessTokenClaims = Omit<AccessTokenClaims, 'nbf'> & { nbf?: number };

/** What {@link checkAccessTokenClaims} judges a claims set against. */
export interface AccessTokenClaimRules {
  /** The exact `iss` expected (RFC 8414 issuer identifier). */
  issuer: string;
  /**
   * The audience `aud` must contain (RFC 8707). `null` accepts any audience: only the issuer itself,
   * reading back its own tokens (introspection, revocation, token exchange), has a use for that.
   */
  audience: string | null;
  /** Tolerance for the time claims, seconds. */
  clockSkewSeconds: number;
  /** The current time, milliseconds since the epoch. */
  nowMs: number;
}

const isNonEmptyString = (value: unknown): value is string => typeof value === 'string' && value !== '';
const isObject = (value: unknown): boolean => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The RFC 9068 §4 claim rules of an access token: `iss` is exactly `issuer`; `sub`, `jti` and
 * `client_id` are non-empty strings; `aud` is a non-empty string or a non-empty array of them and
 * contains `audience`; `scope`, when present, is an RFC 6749 §3.3 scope list; `act`, when present,
 * an object (RFC 8693 §4.1); `exp` and `iat` are finite NumericDates, `nbf` one when present
 * (RFC 7519 §2); `nbf` and `iat` are not later than now plus the skew, and `exp` is later than now
 * minus the skew. `exp` is judged last, so `ERR_TOKEN_EXPIRED` means every other rule held.
 *
 * Does NOT verify the signature nor look at the header: {@link verifyAccessToken} does both before
 * calling this, and so must any other caller. Does NOT check `cnf` (the caller checks the binding
 * against what the request proved) nor revocation.
 *
 * @throws {AccessTokenError} `ERR_TOKEN_ISSUER`, `ERR_TOKEN_AUDIENCE`, `ERR_TOKEN_CLAIMS`,
 *   `ERR_TOKEN_NOT_YET_VALID` or `ERR_TOKEN_EXPIRED`.
 */
export function checkAccessTokenClaims(payload: Readonly<Record<string, unknown>>, rules: AccessTokenClaimRules): { claims: VerifiedAccessTokenClaims; scopes: string[] } {
  if (payload.iss !== rules.issuer) throw new AccessTokenError('ERR_TOKEN_ISSUER');
  if (!isNonEmptyString(payload.sub) || !isNonEmptyString(payload.jti) || !isNonEmptyString(payload.client_id)) throw new AccessTokenError('ERR_TOKEN_CLAIMS');
  const { aud, scope } = payload;
  const audiences = isNonEmptyString(aud) ? [aud] : Array.isArray(aud) && aud.length > 0 && aud.every(isNonEmptyString) ? (aud as string[]) : undefined;
  if (audiences === undefined) throw new AccessTokenError('ERR_TOKEN_CLAIMS');
  if (rules.audience !== null && !audiences.includes(rules.audience)) throw new AccessTokenError('ERR_TOKEN_AUDIENCE');
  let scopes: string[] = [];
  if (scope !== undefined) {
    const parsed = typeof scope === 'string' ? parseScope(scope) : undefined;
    if (parsed === undefined) throw new AccessTokenError('ERR_TOKEN_CLAIMS');
    scopes = parsed;
  }
  if (payload.act !== undefined && !isObject(payload.act)) throw new AccessTokenError('ERR_TOKEN_CLAIMS');
  const fault = timeClaimFault(payload, { now: Math.floor(rules.nowMs / 1000), skew: rules.clockSkewSeconds, required: ['exp', 'iat'] });
  if (fault !== undefined) {
    if (fault.fault === 'expired') throw new AccessTokenError('ERR_TOKEN_EXPIRED');
    throw new AccessTokenError(fault.fault === 'in_future' ? 'ERR_TOKEN_NOT_YET_VALID' : 'ERR_TOKEN_CLAIMS');
  }
  return { claims: payload as unknown as VerifiedAccessTokenClaims, scopes };
}
