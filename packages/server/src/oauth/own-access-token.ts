import { ACCESS_TOKEN_TYP, SIGNING_ALGS, type AccessTokenClaims, type SigningAlg } from '@agentauth/protocol';
import type { SigningKeyRing } from '../keys/signing-key-ring.js';
import { decodeCompactJws, keyMatchesAlg, verifyJwsSignature } from './client-auth/compact-jws.js';

/** Our access tokens are small, and clocks may differ by 5 s. */
const MAX_TOKEN_LENGTH = 8 * 1024;
const CLOCK_SKEW_SECONDS = 5;
const REQUIRED_STRINGS = ['sub', 'jti', 'client_id'] as const;

const isNumericDate = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

export type OwnTokenResult =
  | { status: 'valid'; claims: AccessTokenClaims }
  /** Signed by us, but past `exp`: revocation of it is a no-op (RFC 7009 §2.2). */
  | { status: 'expired'; claims: AccessTokenClaims }
  | { status: 'invalid'; reason: string };

/**
 * Checks that a presented token is an access token this server issued (RFC 9068 §4 minus the
 * audience, which introspection, revocation and token exchange do not restrict: signed by a published
 * key of ours whose algorithm the header names exactly, `typ: at+jwt`, no `crit`, our `iss`, `sub`,
 * `jti`, `client_id`, `aud`, `iat`, `exp` present, within `nbf`/`exp` with 5 s skew). With
 * `node:crypto` rather than jose's WebCrypto because token exchange verifies a subject and an actor
 * token per request on top of the client assertion (`compact-jws.ts` measured WebCrypto at 2x
 * `crypto.verify`); a test holds it to jose's decisions over the same valid and hostile tokens.
 *
 * Does NOT check revocation or the agent's state: callers do (`isTokenActive`).
 */
export function verifyOwnAccessToken(token: string, deps: { issuer: string; keys: Pick<SigningKeyRing, 'publicKey'>; nowMs: number }): OwnTokenResult {
  const jws = decodeCompactJws(token, MAX_TOKEN_LENGTH);
  if (typeof jws === 'string') return { status: 'invalid', reason: jws };
  const { header, payload } = jws;
  const kid = header['kid'];
  const published = typeof kid === 'string' ? deps.keys.publicKey(kid) : undefined;
  if (published === undefined) return { status: 'invalid', reason: 'unknown kid' };
  const alg = header['alg'];
  if (typeof alg !== 'string' || alg !== published.alg || !(SIGNING_ALGS as readonly string[]).includes(alg)) return { status: 'invalid', reason: 'unexpected alg' };
  if (header['typ'] !== ACCESS_TOKEN_TYP) return { status: 'invalid', reason: 'typ is not at+jwt' };
  if ('crit' in header || 'b64' in header) return { status: 'invalid', reason: 'crit or b64 header' };
  if (!keyMatchesAlg(alg as SigningAlg, published.key) || !verifyJwsSignature(alg as SigningAlg, published.key, jws)) {
    return { status: 'invalid', reason: 'signature verification failed' };
  }

  if (payload['iss'] !== deps.issuer) return { status: 'invalid', reason: 'unexpected iss' };
  for (const name of REQUIRED_STRINGS) if (typeof payload[name] !== 'string' || payload[name] === '') return { status: 'invalid', reason: `${name} missing` };
  const aud = payload['aud'];
  if (!(typeof aud === 'string' || (Array.isArray(aud) && aud.every((a) => typeof a === 'string')))) return { status: 'invalid', reason: 'aud missing' };
  const { exp, iat, nbf } = payload;
  if (!isNumericDate(exp) || !isNumericDate(iat)) return { status: 'invalid', reason: 'exp or iat missing' };
  const now = Math.floor(deps.nowMs / 1000);
  if (nbf !== undefined && (!isNumericDate(nbf) || nbf > now + CLOCK_SKEW_SECONDS)) return { status: 'invalid', reason: 'not yet valid' };
  const claims = payload as unknown as AccessTokenClaims;
  if (exp <= now - CLOCK_SKEW_SECONDS) return { status: 'expired', claims };
  return { status: 'valid', claims };
}
