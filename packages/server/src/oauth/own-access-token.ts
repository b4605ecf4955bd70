import type { KeyObject } from 'node:crypto';
import { ACCESS_TOKEN_TYP, SIGNING_ALGS, type AccessTokenClaims, type SigningAlg } from '@agentauth/protocol';
import type { SigningKeyRing } from '../keys/signing-key-ring.js';
import type { TokenState, TokenStore } from '../store/ports/token-store.js';
import type { TokenDigester } from '../tokens/token-digest.js';
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

/** What checking one of our tokens needs: our issuer, the published keys, the time. */
export interface OwnTokenDeps {
  issuer: string;
  keys: Pick<SigningKeyRing, 'publicKey'>;
  nowMs: number;
}

/**
 * A presented token and its decoding (signature unchecked), made together so that the bytes the
 * digest or signature is checked over are always the bytes the claims came from. A caller may look
 * at `decoded` (e.g. the unverified `iss`, to route the token) before checking it, without decoding
 * it twice.
 */
export class PresentedToken {
  private constructor(
    readonly token: string,
    /** The decoded JWS, or why it is malformed. */
    readonly decoded: DecodedJws | string,
  ) {}

  static of(token: string): PresentedToken {
    return new PresentedToken(token, decodeCompactJws(token, MAX_TOKEN_LENGTH));
  }
}

/** Every `jti` we issue: 22 (before migration 0010) or 31 base64url characters. */
const OWN_JTI = /^[A-Za-z0-9_-]{1,64}$/;

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
  const jws = checkOwnHeader(PresentedToken.of(token).decoded, deps);
  if ('status' in jws) return jws;
  if (!verifyJwsSignature(jws.alg, jws.key, jws.jws)) return invalid('signature verification failed');
  return checkClaims(jws.jws.payload, deps);
}

/**
 * {@link verifyOwnAccessToken}, reading the token's record first (`TokenStore.getTokenState`, by
 * the `jti` the token names) and recognising the token by the keyed digest kept at issuance
 * (`TokenDigester`) instead of verifying its signature again: one HMAC instead of one signature
 * verification (ES256: about 50 µs), which token exchange pays for every token presented. When the
 * digest does not match, or none is kept (a record pruned, or written before digests were kept),
 * the signature is verified as usual: the digest is a shortcut to the same decision, never a
 * reason on its own to refuse, and a mismatch costs what an unknown `jti` costs.
 *
 * Decides as {@link verifyOwnAccessToken} does, except that a `jti` no token of ours can have
 * (missing, or not 1 to 64 base64url characters) is refused before anything is read, so no
 * hostile string reaches the database. Returns the state read, so callers check revocation and
 * lineage without reading it again.
 */
export async function checkOwnAccessToken(
  presented: PresentedToken,
  deps: OwnTokenDeps & { tokens: Pick<TokenStore, 'getTokenState'>; digester: Pick<TokenDigester, 'matches'> },
): Promise<{ result: OwnTokenResult; state: TokenState | undefined }> {
  const jws = checkOwnHeader(presented.decoded, deps);
  if ('status' in jws) return { result: jws, state: undefined };
  const jti = jws.jws.payload['jti'];
  if (typeof jti !== 'string' || !OWN_JTI.test(jti)) return { result: invalid('jti missing or not one of ours'), state: undefined };
  const state = await deps.tokens.getTokenState(jti);
  const digest = state.issued?.tokenDigest ?? null;
  const recognised = digest !== null && deps.digester.matches(presented.token, digest);
  if (!recognised && !verifyJwsSignature(jws.alg, jws.key, jws.jws)) return { result: invalid('signature verification failed'), state: undefined };
  return { result: checkClaims(jws.jws.payload, deps), state };
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
