import { REFUSED_JWS_HEADERS, SIGNING_ALGS, type SigningAlg } from '@agentauth/protocol';
import { decodeProtectedHeader, errors, jwtVerify, type JWK, type KeyObject, type ProtectedHeaderParameters } from 'jose';
import { checkAccessTokenClaims, type VerifiedAccessTokenClaims } from './access-token-claims.js';
import { checkBinding, type PresentedBinding, type TokenBinding } from './confirmation.js';
import { AccessTokenError, type AccessTokenErrorCode } from './errors.js';

export type { VerifiedAccessTokenClaims } from './access-token-claims.js';
export type { PresentedBinding, TokenBinding } from './confirmation.js';

/** Default tolerance (seconds) for `exp`, `nbf` and `iat` between the issuer's clock and ours. */
export const DEFAULT_CLOCK_SKEW_SECONDS = 5;

/** Largest tolerance accepted: beyond a few minutes, skew is a broken clock, not drift. */
const MAX_CLOCK_SKEW_SECONDS = 300;

/** Default `maxTokenLength`: many proxies cap a header line at 8 KiB. */
export const DEFAULT_MAX_TOKEN_LENGTH = 8_192;

const REQUIRED_CLAIMS = ['iss', 'sub', 'aud', 'exp', 'iat', 'jti', 'client_id'];

const isNonEmptyString = (value: unknown): value is string => typeof value === 'string' && value !== '';

/**
 * A public verification key: a Web Crypto key, a public JWK, or (on Node.js) a `KeyObject`, named
 * by jose's structural type so the core needs no Node.js types.
 */
export type AccessTokenVerificationKey = CryptoKey | KeyObject | JWK;

/**
 * Finds the key for a token's header. Return undefined (or throw jose's `JWKSNoMatchingKey`, as
 * `createRemoteJWKSet` does) for an unknown `kid`; any other error is passed through unchanged.
 */
export type AccessTokenKeyResolver = (header: {
  kid?: string;
  alg: string;
}) => Promise<AccessTokenVerificationKey | undefined> | AccessTokenVerificationKey | undefined;

export interface VerifyAccessTokenOptions {
  /** The exact `iss` expected (RFC 8414 issuer identifier). */
  issuer: string;
  /** This resource server's identifier; the token's `aud` must contain it (RFC 8707). */
  audience: string;
  /** Accepted `alg` values: asymmetric only, never `none` or HMAC (RFC 8725 §3.1). */
  algorithms: readonly SigningAlg[];
  getKey: AccessTokenKeyResolver;
  /** Tolerance for time claims, seconds, 0 to 300. Default {@link DEFAULT_CLOCK_SKEW_SECONDS}. */
  clockSkewSeconds?: number;
  /** Current time in milliseconds since the epoch; defaults to `Date.now`. */
  now?: () => number;
  /** Longest token accepted, characters. Default {@link DEFAULT_MAX_TOKEN_LENGTH}. */
  maxTokenLength?: number;
  /**
   * What the request proved about its sender, checked against the token's `cnf` (RFC 7800 §3.1).
   * Omitted: the caller cannot check a binding, so a token carrying `cnf` is refused.
   */
  binding?: PresentedBinding;
}

export interface VerifiedAccessToken {
  claims: VerifiedAccessTokenClaims;
  header: { alg: SigningAlg; kid: string | undefined };
  /** The `scope` claim split into RFC 6749 §3.3 scope-tokens (empty when absent). */
  scopes: string[];
  /** `dpop` for `cnf.jkt` (with or without a certificate too), `mtls` for `cnf.x5t#S256` alone. */
  binding: TokenBinding;
}

function checkOptions(options: VerifyAccessTokenOptions): void {
  if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object');
  const { issuer, audience, algorithms, getKey, clockSkewSeconds, now, maxTokenLength } = options;
  if (typeof issuer !== 'string' || issuer === '') throw new TypeError('issuer must be a non-empty string');
  if (typeof audience !== 'string' || audience === '') throw new TypeError('audience must be a non-empty string');
  if (!Array.isArray(algorithms) || algorithms.length === 0) throw new TypeError('algorithms must be a non-empty array');
  for (const alg of algorithms) {
    if (!SIGNING_ALGS.includes(alg)) throw new TypeError(`algorithm not allowed: ${String(alg)}; use ${SIGNING_ALGS.join(', ')}`);
  }
  if (typeof getKey !== 'function') throw new TypeError('getKey must be a function');
  if (clockSkewSeconds !== undefined && !(Number.isInteger(clockSkewSeconds) && clockSkewSeconds >= 0 && clockSkewSeconds <= MAX_CLOCK_SKEW_SECONDS)) {
    throw new TypeError(`clockSkewSeconds must be an integer from 0 to ${MAX_CLOCK_SKEW_SECONDS}`);
  }
  if (now !== undefined && typeof now !== 'function') throw new TypeError('now must be a function');
  if (maxTokenLength !== undefined && !(Number.isInteger(maxTokenLength) && maxTokenLength > 0)) {
    throw new TypeError('maxTokenLength must be a positive integer');
  }
  const { binding } = options;
  if (binding !== undefined) {
    if (typeof binding !== 'object' || binding === null) throw new TypeError('binding must be an object');
    for (const name of ['dpopJkt', 'x5tS256'] as const) {
      if (binding[name] !== undefined && !isNonEmptyString(binding[name])) throw new TypeError(`binding.${name} must be a non-empty string`);
    }
  }
}



/** RFC 9068 §4: `at+jwt`, or the full media type; media types compare case-insensitively (RFC 2045 §5.1). */
function isAccessTokenTyp(typ: unknown): boolean {
  if (typeof typ !== 'string') return false;
  const lower = typ.toLowerCase();
  return lower === 'at+jwt' || lower === 'application/at+jwt';
}

/** Checks the header before any key lookup or signature work, so hostile tokens cost little. */
function checkHeader(token: string, algorithms: readonly SigningAlg[]): ProtectedHeaderParameters & { alg: SigningAlg } {
  let header: ProtectedHeaderParameters;
  try {
    header = decodeProtectedHeader(token);
  } catch {
    throw new AccessTokenError('ERR_TOKEN_MALFORMED');
  }
  for (const name of REFUSED_JWS_HEADERS) if (Object.hasOwn(header, name)) throw new AccessTokenError('ERR_TOKEN_HEADER');
  if (header.kid !== undefined && typeof header.kid !== 'string') throw new AccessTokenError('ERR_TOKEN_MALFORMED');
  if (typeof header.alg !== 'string' || !(algorithms as readonly string[]).includes(header.alg)) throw new AccessTokenError('ERR_TOKEN_ALG');
  if (!isAccessTokenTyp(header.typ)) throw new AccessTokenError('ERR_TOKEN_TYP');
  return header as ProtectedHeaderParameters & { alg: SigningAlg };
}

/** Maps what jose found to our closed list; anything unrecognised is rethrown as is. */
function codeFor(error: unknown): AccessTokenErrorCode | undefined {
  if (error instanceof errors.JWTExpired) return 'ERR_TOKEN_EXPIRED';
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'nbf' && error.reason === 'check_failed') return 'ERR_TOKEN_NOT_YET_VALID';
    if (error.claim === 'iss' && error.reason === 'check_failed') return 'ERR_TOKEN_ISSUER';
    if (error.claim === 'aud' && error.reason === 'check_failed') return 'ERR_TOKEN_AUDIENCE';
    if (error.claim === 'typ') return 'ERR_TOKEN_TYP';
    return 'ERR_TOKEN_CLAIMS';
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'ERR_TOKEN_SIGNATURE';
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported) return 'ERR_TOKEN_ALG';
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) return 'ERR_TOKEN_MALFORMED';
  // jose refuses a key that does not fit the header's alg (e.g. an EC key for EdDSA) with a
  // TypeError or a key error, and on Node 24 Web Crypto refuses it first with a DOMException
  // while converting the key; the token chose that alg, so it is the token's fault.
  if (error instanceof TypeError || error instanceof errors.JWKInvalid || isKeyMismatch(error)) return 'ERR_TOKEN_ALG';
  return undefined;
}

/** Web Crypto's refusal of a key for an algorithm (W3C Web Cryptography API §14.3, importKey/verify). */
function isKeyMismatch(error: unknown): boolean {
  return error instanceof DOMException && (error.name === 'DataError' || error.name === 'InvalidAccessError' || error.name === 'NotSupportedError');
}


/**
 * Verifies an RFC 9068 JWT access token with jose's `jwtVerify`, following RFC 9068 §4 and the
 * RFC 8725 best practices: the length is bounded before parsing; `typ` must be `at+jwt` (or
 * `application/at+jwt`); `alg` must be in `algorithms` (asymmetric only: never `none` or HMAC);
 * `crit`, `b64` and every header naming or carrying a key (`jwk`, `jku`, `x5u`, `x5c`, `x5t`,
 * `x5t#S256`) are refused; the key comes only from `getKey`; then the claims are judged by
 * {@link checkAccessTokenClaims} with `clockSkewSeconds` of tolerance (`iss`, `aud`, the time
 * claims as finite NumericDates, the required claims and their types, `scope`, `act`).
 *
 * Sender constraints (RFC 7800 `cnf`): with `binding` given, `cnf.jkt` must equal
 * `binding.dpopJkt` (RFC 9449 §7.1) and `cnf.x5t#S256` must equal `binding.x5tS256` (RFC 8705
 * §3); without `binding`, a token carrying `cnf` is refused (`ERR_TOKEN_BINDING`) rather than
 * accepted as a bearer token.
 *
 * Does NOT check revocation, nor the DPoP proof or the TLS connection behind `binding` (the
 * caller verifies those first; `createResourceServer` does all of it). Does NOT check scopes
 * against the request: the caller does, with `scopes`.
 *
 * @throws {AccessTokenError} when the token is not acceptable.
 * @throws {TypeError} when the options are invalid.
 */
export async function verifyAccessToken(token: string, options: VerifyAccessTokenOptions): Promise<VerifiedAccessToken> {
  checkOptions(options);
  if (typeof token !== 'string') throw new TypeError('token must be a string');
  const { issuer, audience, algorithms, getKey } = options;
  if (token.length > (options.maxTokenLength ?? DEFAULT_MAX_TOKEN_LENGTH)) throw new AccessTokenError('ERR_TOKEN_TOO_LARGE');
  if (token.split('.').length !== 3) throw new AccessTokenError('ERR_TOKEN_MALFORMED');
  const header = checkHeader(token, algorithms);

  const skew = options.clockSkewSeconds ?? DEFAULT_CLOCK_SKEW_SECONDS;
  const nowMs = options.now === undefined ? Date.now() : options.now();
  let resolverFailure: { error: unknown } | undefined;
  const resolve = async (): Promise<CryptoKey | KeyObject | JWK> => {
    let key: AccessTokenVerificationKey | undefined;
    try {
      key = await getKey(header.kid === undefined ? { alg: header.alg } : { kid: header.kid, alg: header.alg });
    } catch (error) {
      if (error instanceof errors.JWKSNoMatchingKey) throw new AccessTokenError('ERR_TOKEN_KEY_UNKNOWN');
      resolverFailure = { error };
      throw error;
    }
    if (key === undefined || key === null) throw new AccessTokenError('ERR_TOKEN_KEY_UNKNOWN');
    return key;
  };

  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token, resolve, {
      algorithms: [...algorithms],
      issuer,
      audience,
      typ: 'at+jwt',
      clockTolerance: skew,
      currentDate: new Date(nowMs),
      requiredClaims: REQUIRED_CLAIMS,
    }));
  } catch (error) {
    if (error instanceof AccessTokenError) throw error;
    if (resolverFailure !== undefined) throw resolverFailure.error;
    const code = codeFor(error);
    if (code === undefined) throw error;
    throw new AccessTokenError(code);
  }

  // jose has judged the signature and its own reading of the claims; ours is the one the
  // authorization server applies to its own tokens too (types, finite NumericDates, iat, scope, act).
  const { claims, scopes } = checkAccessTokenClaims(payload, { issuer, audience, clockSkewSeconds: skew, nowMs });
  const binding = checkBinding(payload.cnf, options.binding);

  return {
    claims,
    header: { alg: header.alg, kid: header.kid },
    scopes,
    binding,
  };
}
