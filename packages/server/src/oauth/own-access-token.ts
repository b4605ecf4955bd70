import type { KeyObject } from 'node:crypto';
import { ACCESS_TOKEN_TYP, SIGNING_ALGS, type AccessTokenClaims, type SigningAlg } from '@agentauth/protocol';
import type { SigningKeyRing } from '../keys/signing-key-ring.js';
import type { TokenState, TokenStore } from '../store/store.js';
import { matchesTokenDigest } from '../tokens/token-digest.js';
import { decodeCompactJws, keyMatchesAlg, verifyJwsSignature, type DecodedJws } from './client-auth/compact-jws.js';

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

export interface OwnTokenDeps {
  issuer: string;
  keys: Pick<SigningKeyRing, 'publicKey'>;
  nowMs: number;
}

type Invalid = Extract<OwnTokenResult, { status: 'invalid' }>;
const invalid = (reason: string): Invalid => ({ status: 'invalid', reason });

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
export function verifyOwnAccessToken(token: string, deps: OwnTokenDeps): OwnTokenResult {
  const jws = checkOwnHeader(decodeOwnAccessToken(token), deps);
  if ('status' in jws) return jws;
  if (!verifyJwsSignature(jws.alg, jws.key, jws.jws)) return invalid('signature verification failed');
  return checkClaims(jws.jws.payload, deps);
}

/**
 * {@link verifyOwnAccessToken}, reading the token's record first (`TokenStore.getTokenState`, by
 * the `jti` the token names) and recognising the token by the digest kept at issuance instead of
 * verifying its signature again: the same decisions, one SHA-256 instead of one signature
 * verification (ES256: about 50 µs), which token exchange pays for every token presented. A token
 * whose `jti` has a kept digest that does not match is refused unverified: it is not the token we
 * issued under that `jti`. Without a kept digest (a record pruned, or written before digests were
 * kept) the signature is verified as usual.
 *
 * Returns the state read, so callers check revocation and lineage without reading it again.
 */
export async function checkOwnAccessToken(
  token: string,
  deps: OwnTokenDeps & { tokens: Pick<TokenStore, 'getTokenState'> },
  decoded: DecodedJws | string = decodeOwnAccessToken(token),
): Promise<{ result: OwnTokenResult; state: TokenState | undefined }> {
  const jws = checkOwnHeader(decoded, deps);
  if ('status' in jws) return { result: jws, state: undefined };
  const jti = jws.jws.payload['jti'];
  if (typeof jti !== 'string' || jti === '') return { result: invalid('jti missing'), state: undefined };
  const state = await deps.tokens.getTokenState(jti);
  const digest = state.issued?.tokenDigest ?? null;
  const authentic = digest === null ? verifyJwsSignature(jws.alg, jws.key, jws.jws) : matchesTokenDigest(token, digest);
  if (!authentic) return { result: invalid(digest === null ? 'signature verification failed' : 'not the token issued under this jti'), state: undefined };
  return { result: checkClaims(jws.jws.payload, deps), state };
}

/**
 * Splits and decodes a presented token, signature unchecked, within our tokens' size bound: what
 * {@link checkOwnAccessToken} starts from, and what a caller may look at first (its unverified
 * `iss`, to route it) without decoding it twice. A string says why it is malformed.
 */
export function decodeOwnAccessToken(token: string): DecodedJws | string {
  return decodeCompactJws(token, MAX_TOKEN_LENGTH);
}

/** Checks the protected header: a published key of ours, its exact algorithm, `typ`. */
function checkOwnHeader(jws: DecodedJws | string, deps: OwnTokenDeps): { jws: DecodedJws; alg: SigningAlg; key: KeyObject } | Invalid {
  if (typeof jws === 'string') return invalid(jws);
  const { header } = jws;
  const kid = header['kid'];
  const published = typeof kid === 'string' ? deps.keys.publicKey(kid) : undefined;
  if (published === undefined) return invalid('unknown kid');
  const alg = header['alg'];
  if (typeof alg !== 'string' || alg !== published.alg || !(SIGNING_ALGS as readonly string[]).includes(alg)) return invalid('unexpected alg');
  if (header['typ'] !== ACCESS_TOKEN_TYP) return invalid('typ is not at+jwt');
  if ('crit' in header || 'b64' in header) return invalid('crit or b64 header');
  if (!keyMatchesAlg(alg as SigningAlg, published.key)) return invalid('signature verification failed');
  return { jws, alg: alg as SigningAlg, key: published.key };
}

/** RFC 9068 §2.2 claims of ours, and the time window. */
function checkClaims(payload: Record<string, unknown>, deps: OwnTokenDeps): OwnTokenResult {
  if (payload['iss'] !== deps.issuer) return invalid('unexpected iss');
  for (const name of REQUIRED_STRINGS) if (typeof payload[name] !== 'string' || payload[name] === '') return invalid(`${name} missing`);
  const aud = payload['aud'];
  if (!(typeof aud === 'string' || (Array.isArray(aud) && aud.every((a) => typeof a === 'string')))) return invalid('aud missing');
  const { exp, iat, nbf } = payload;
  if (!isNumericDate(exp) || !isNumericDate(iat)) return invalid('exp or iat missing');
  const now = Math.floor(deps.nowMs / 1000);
  if (nbf !== undefined && (!isNumericDate(nbf) || nbf > now + CLOCK_SKEW_SECONDS)) return invalid('not yet valid');
  const claims = payload as unknown as AccessTokenClaims;
  if (exp <= now - CLOCK_SKEW_SECONDS) return { status: 'expired', claims };
  return { status: 'valid', claims };
}
