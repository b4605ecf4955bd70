import type { KeyObject } from 'node:crypto';
import type { AccessTokenClaims, SigningAlg } from '@agentauth/protocol';
import { AccessTokenError, checkAccessTokenClaims, type AccessTokenErrorCode } from '@agentauth/resource-server';
import { headerFault } from '../jwt/header-policy.js';
import { OWN_ACCESS_TOKEN } from '../jwt/jwt-kinds.js';
import type { SigningKeyRing } from '../keys/signing-key-ring.js';
import type { TokenState, TokenStore } from '../store/ports/token-store.js';
import type { TokenDigester } from '../tokens/token-digest.js';
import { decodeCompactJws, keyMatchesAlg, verifyJwsSignature, type DecodedJws } from './client-auth/compact-jws.js';

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
  /**
   * The audience the token must be for: our issuer identifier at our own APIs. Omitted where a
   * token of any audience is read back (introspection, revocation, token exchange).
   */
  audience?: string;
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
    return new PresentedToken(token, decodeCompactJws(token, OWN_ACCESS_TOKEN.maxLength));
  }
}

/** Every `jti` we issue: 22 (before migration 0010) or 31 base64url characters. */
const OWN_JTI = /^[A-Za-z0-9_-]{1,64}$/;

type Invalid = Extract<OwnTokenResult, { status: 'invalid' }>;
const invalid = (reason: string): Invalid => ({ status: 'invalid', reason });

/**
 * Checks that a presented token is an access token this server issued, the one way every door
 * checks our tokens (introspection, revocation, token exchange, and our own APIs: admin, CA,
 * signals). RFC 9068 §4: signed by a published key of ours whose algorithm the header names
 * exactly; the header policy of every JWT we read, with `typ` exactly `at+jwt` (`headerFault`);
 * then the claims by the resource-server SDK's own rules (`checkAccessTokenClaims`, what every
 * service applies: our `iss`, `deps.audience` when given, the required claims and their types,
 * finite NumericDates, `nbf`/`iat`/`exp` with 5 s of skew). The signature is verified with
 * `node:crypto` rather than jose's WebCrypto because token exchange verifies a subject and an actor
 * token per request on top of the client assertion (`compact-jws.ts` measured WebCrypto at 2x
 * `crypto.verify`); a test holds it to jose's decisions over the same valid and hostile tokens.
 *
 * Does NOT check revocation or the agent's standing: callers do (`isTokenActive`). Does NOT check
 * `cnf`: a caller that cannot check a binding refuses a bound token itself.
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
  deps: OwnTokenDeps & { tokens: Pick<TokenStore, 'getTokenState'>; digester?: Pick<TokenDigester, 'matches'> | undefined },
): Promise<{ result: OwnTokenResult; state: TokenState | undefined }> {
  const jws = checkOwnHeader(presented.decoded, deps);
  if ('status' in jws) return { result: jws, state: undefined };
  const jti = jws.jws.payload['jti'];
  if (typeof jti !== 'string' || !OWN_JTI.test(jti)) return { result: invalid('jti missing or not one of ours'), state: undefined };
  const state = await deps.tokens.getTokenState(jti);
  const digest = state.issued?.tokenDigest ?? null;
  const recognised = digest !== null && deps.digester !== undefined && deps.digester.matches(presented.token, digest);
  if (!recognised && !verifyJwsSignature(jws.alg, jws.key, jws.jws)) return { result: invalid('signature verification failed'), state: undefined };
  return { result: checkClaims(jws.jws.payload, deps), state };
}

/** Checks the protected header: a published key of ours, its exact algorithm, the header policy. */
function checkOwnHeader(jws: DecodedJws | string, deps: OwnTokenDeps): { jws: DecodedJws; alg: SigningAlg; key: KeyObject } | Invalid {
  if (typeof jws === 'string') return invalid(jws);
  const { header } = jws;
  const kid = header['kid'];
  const published = typeof kid === 'string' ? deps.keys.publicKey(kid) : undefined;
  if (published === undefined) return invalid('unknown kid');
  const refused = headerFault(header, OWN_ACCESS_TOKEN, [published.alg]);
  if (refused !== undefined) return invalid(refused);
  if (!keyMatchesAlg(published.alg, published.key)) return invalid('signature verification failed');
  return { jws, alg: published.alg, key: published.key };
}

/** The private reasons of the claim rules' refusals, for the log and the audit record. */
const CLAIM_REASONS: Partial<Record<AccessTokenErrorCode, string>> = {
  ERR_TOKEN_ISSUER: 'unexpected iss',
  ERR_TOKEN_AUDIENCE: 'not for this audience',
  ERR_TOKEN_CLAIMS: 'a claim is missing or malformed',
  ERR_TOKEN_NOT_YET_VALID: 'not yet valid',
};

/** RFC 9068 §2.2 claims, by the SDK's rules; past `exp` but otherwise valid is `expired`. */
function checkClaims(payload: Record<string, unknown>, deps: OwnTokenDeps): OwnTokenResult {
  try {
    const { claims } = checkAccessTokenClaims(payload, { issuer: deps.issuer, audience: deps.audience ?? null, clockSkewSeconds: OWN_ACCESS_TOKEN.skew, nowMs: deps.nowMs });
    return { status: 'valid', claims: claims as AccessTokenClaims };
  } catch (error) {
    if (!(error instanceof AccessTokenError)) throw error;
    // `exp` is judged last: a token refused as expired held to every other rule.
    if (error.code === 'ERR_TOKEN_EXPIRED') return { status: 'expired', claims: payload as unknown as AccessTokenClaims };
    return invalid(CLAIM_REASONS[error.code] ?? error.message);
  }
}
