import { decodeBase64url, decodeJsonSegment, normalizeTargetUri } from '@agentauth/protocol';
import type { JWK } from 'jose';
import { encodeBase64url } from '../lib/base64url.js';
import { constantTimeEqual } from '../lib/constant-time-equal.js';
import { importDpopKey, DPOP_ALGORITHMS, type DpopAlgorithm, type DpopCrypto, type DpopKey } from './dpop-key.js';
import { DpopProofError } from './dpop-proof-error.js';
import { webDpopCrypto } from './web-dpop-crypto.js';

/** Default accepted proof algorithms (RFC 9449 §5.1 `dpop_signing_alg_values_supported`). */
export const DEFAULT_DPOP_ALGORITHMS: readonly DpopAlgorithm[] = ['ES256', 'EdDSA', 'PS256'];
/** How old a proof's `iat` may be (RFC 9449 §4.3 check 11, §11.1), seconds. */
export const DEFAULT_DPOP_MAX_AGE_SECONDS = 60;
/** How far ahead of our clock a proof's `iat` may be, seconds. */
export const DEFAULT_DPOP_FUTURE_SKEW_SECONDS = 30;
/** Longest proof accepted, characters: an RSA-4096 proof is ~2 KiB; proxies cap a header line at 8 KiB. */
export const DEFAULT_DPOP_MAX_LENGTH = 8_192;

const MAX_JTI_LENGTH = 256;
const MAX_NONCE_LENGTH = 512;
const MAX_WINDOW_SECONDS = 3_600;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/**
 * The server's nonce policy (RFC 9449 §8, §9), called with the proof's `nonce` claim (undefined when
 * absent) once everything else has passed: `'ok'` accepts; `'missing'` and `'invalid'` refuse with
 * `use_dpop_nonce`, after which the caller sends a fresh `DPoP-Nonce` header.
 */
export type DpopNonceCheck = (nonce: string | undefined) => 'ok' | 'missing' | 'invalid';

export interface VerifyDpopProofOptions {
  /** The request's HTTP method, compared exactly with `htm` (RFC 9110 §9.1: methods are case-sensitive). */
  method: string;
  /**
   * The full URL of the request as the client addressed it (the public URL behind any proxy); its
   * query and fragment are ignored. A `TypeError` if it is not an absolute http(s) URL.
   */
  url: string;
  /**
   * The access token presented with the proof at a protected resource (RFC 9449 §7.1). When given,
   * `ath` is required and must be base64url(SHA-256(token)). Omit it at the token endpoint.
   */
  accessToken?: string;
  /** Accepted `alg` values, a non-empty subset of {@link DPOP_ALGORITHMS}. */
  algorithms: readonly string[];
  /** Current time, milliseconds since the epoch (injected so tests freeze the clock). */
  now: number;
  /** Oldest acceptable `iat`, seconds before `now`. Default {@link DEFAULT_DPOP_MAX_AGE_SECONDS}. */
  maxAgeSeconds?: number;
  /** Newest acceptable `iat`, seconds after `now`. Default {@link DEFAULT_DPOP_FUTURE_SKEW_SECONDS}. */
  futureSkewSeconds?: number;
  /** Longest proof accepted, characters; refused before parsing. Default {@link DEFAULT_DPOP_MAX_LENGTH}. */
  maxLength?: number;
  /** The server's nonce policy; without it the `nonce` claim is ignored (RFC 9449 §4.3 check 10). */
  expectedNonce?: DpopNonceCheck;
}

/** What a valid proof established. */
export interface VerifiedDpopProof {
  /** RFC 7638 SHA-256 thumbprint of the proof's key: the `cnf.jkt` a token is bound to (RFC 9449 §6.1). */
  jkt: string;
  /** The proof's unique identifier: the caller claims it single-use (see {@link verifyDpopProof}). */
  jti: string;
  /** Seconds since the epoch, as sent. */
  iat: number;
  htm: string;
  /** As sent (not normalised). */
  htu: string;
  nonce?: string;
  alg: DpopAlgorithm;
  /** The proof's public key, required RFC 7638 members only. */
  jwk: JWK;
}

/*
 * The request URL normalised, remembered for the last URL seen: the token endpoint checks every
 * proof against its one URL, and normalising parses it anew each time. The function is pure, so
 * remembering its last answer changes nothing but the cost.
 */
let lastUrl: string | undefined;
let lastTarget: string | undefined;
function normalizedRequestUrl(url: string): string | undefined {
  if (url !== lastUrl) {
    lastTarget = normalizeTargetUri(url);
    lastUrl = url;
  }
  return lastTarget;
}

/*
 * Proof headers that passed every check of their own (`typ`, no `crit`, a usable public `jwk`),
 * by their exact base64url text, with the algorithm, the imported key and its thumbprint. An agent
 * puts the same header on every proof it signs, so each later proof skips decoding, parsing,
 * checking and importing it again (an import plus a thumbprint costs more than the signature check
 * itself). Whether `alg` is allowed depends on the caller's options and is checked every time. A
 * header's outcome is a function of its text alone, so the cache cannot be poisoned. Bounded in
 * entries (the oldest goes first) and in size: a header longer than any real one (an RSA-4096 key's
 * is ~1 KiB) is checked every time, never kept. One cache per signature backend, since each holds
 * keys as its backend imported them.
 */
const HEADER_CACHE_MAX = 1_024;
const HEADER_CACHE_MAX_LENGTH = 2_048;

interface CheckedHeader<K> {
  alg: DpopAlgorithm;
  key: DpopKey<K>;
}

interface HeaderCache<K> {
  backend: DpopCrypto<K>;
  headers: Map<string, CheckedHeader<K>>;
  last: { segment: string; checked: CheckedHeader<K> } | undefined;
}

const notAllowed = (alg: unknown) => invalid(`alg ${typeof alg === 'string' ? JSON.stringify(alg.slice(0, 20)) : typeof alg} not allowed`);

/**
 * A header seen before, with its algorithm checked against this call's `algorithms`; undefined when
 * not cached. Synchronous: the common case costs no promise.
 */
function cachedHeader<K>(cache: HeaderCache<K>, segment: string, algorithms: readonly string[]): CheckedHeader<K> | undefined {
  // The last header first: an agent signs every proof with the same one, and comparing ~200
  // characters costs a tenth of hashing them for the map (measured: ~30 vs ~300 ns).
  let cached = cache.last !== undefined && segment === cache.last.segment ? cache.last.checked : undefined;
  if (cached === undefined) {
    cached = cache.headers.get(segment);
    if (cached === undefined) return undefined;
    cache.last = { segment, checked: cached };
  }
  if (!algorithms.includes(cached.alg)) throw notAllowed(cached.alg);
  return cached;
}

/**
 * A header not seen before: its base64url form, then RFC 9449 §4.3 checks 4, 5 and 7, in that
 * order; throws `invalid_dpop_proof`. Remembered when it passes (see `HeaderCache`).
 */
async function checkHeader<K>(cache: HeaderCache<K>, segment: string, algorithms: readonly string[]): Promise<CheckedHeader<K>> {
  if (!BASE64URL.test(segment)) throw invalid('not a compact JWS');
  const header = decodeJsonSegment(segment);
  if (header === undefined) throw invalid('JWS header is not a JSON object');
  if (header.typ !== 'dpop+jwt') throw invalid('typ is not dpop+jwt');
  const alg = header.alg;
  // `algorithms` is a subset of DPOP_ALGORITHMS (checkOptions): `none` and HMAC never pass.
  if (typeof alg !== 'string' || !algorithms.includes(alg)) throw notAllowed(alg);
  if (Object.hasOwn(header, 'crit')) throw invalid('crit header not supported');
  const key = await importDpopKey(header.jwk, alg as DpopAlgorithm, cache.backend);
  if (typeof key === 'string') throw invalid(key);
  const checked = { alg: alg as DpopAlgorithm, key };
  if (segment.length > HEADER_CACHE_MAX_LENGTH) return checked;
  if (cache.headers.size >= HEADER_CACHE_MAX) {
    const oldest = cache.headers.keys().next();
    if (!oldest.done) cache.headers.delete(oldest.value);
  }
  cache.headers.set(segment, checked);
  return checked;
}

function checkOptions(options: VerifyDpopProofOptions): { target: string; maxAge: number; futureSkew: number; maxLength: number } {
  if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object');
  const { method, url, accessToken, algorithms, now, expectedNonce } = options;
  if (typeof method !== 'string' || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(method)) throw new TypeError('method must be an HTTP method token');
  const target = normalizedRequestUrl(url);
  if (target === undefined) throw new TypeError('url must be the absolute http(s) URL of the request');
  if (accessToken !== undefined && (typeof accessToken !== 'string' || accessToken === '')) throw new TypeError('accessToken must be a non-empty string when given');
  if (!Array.isArray(algorithms) || algorithms.length === 0) throw new TypeError('algorithms must be a non-empty array');
  for (const alg of algorithms) {
    if (!(DPOP_ALGORITHMS as readonly string[]).includes(alg)) throw new TypeError(`DPoP algorithm not supported: ${String(alg)}; use ${DPOP_ALGORITHMS.join(', ')}`);
  }
  if (!Number.isFinite(now)) throw new TypeError('now must be a number of milliseconds');
  if (expectedNonce !== undefined && typeof expectedNonce !== 'function') throw new TypeError('expectedNonce must be a function');
  const window = (name: string, value: number | undefined, fallback: number): number => {
    if (value === undefined) return fallback;
    if (!Number.isInteger(value) || value < 0 || value > MAX_WINDOW_SECONDS) throw new TypeError(`${name} must be an integer from 0 to ${MAX_WINDOW_SECONDS}`);
    return value;
  };
  const maxLength = options.maxLength ?? DEFAULT_DPOP_MAX_LENGTH;
  if (!Number.isInteger(maxLength) || maxLength <= 0) throw new TypeError('maxLength must be a positive integer');
  return {
    target,
    maxAge: window('maxAgeSeconds', options.maxAgeSeconds, DEFAULT_DPOP_MAX_AGE_SECONDS),
    futureSkew: window('futureSkewSeconds', options.futureSkewSeconds, DEFAULT_DPOP_FUTURE_SKEW_SECONDS),
    maxLength,
  };
}

const invalid = (detail: string) => new DpopProofError('invalid_dpop_proof', detail);

const ENCODER = new TextEncoder();

/**
 * base64url(SHA-256(ASCII(access token))): the `ath` claim of RFC 9449 §4.2, with Web Crypto. An
 * access token is ASCII by its syntax (RFC 9449 §7.1, RFC 6750 §2.1 `token68`), so its UTF-8
 * bytes are its ASCII bytes; a token with other characters is not one and matches no `ath` a
 * client computed from a real token.
 */
export async function dpopAccessTokenHash(accessToken: string): Promise<string> {
  return encodeBase64url(new Uint8Array(await crypto.subtle.digest('SHA-256', ENCODER.encode(accessToken))));
}

/**
 * Validates a DPoP proof JWT (RFC 9449 §4.3), the one implementation shared by the token endpoint
 * and the resource-server SDK. In order, cheapest first: the size; a compact JWS with JSON header
 * and claims (check 2); `typ` exactly `dpop+jwt` (check 4); `alg` in `options.algorithms` (check 5;
 * `none` and HMAC can never be listed); no `crit`; a `jwk` header holding a public key of the type
 * `alg` needs, with no private member (check 7); `jti`, `htm`, `htu`, `iat` present with their types
 * (check 3); `htm` equal to the method (check 8); `htu` equal to the request URL after RFC 3986
 * normalisation, query and fragment of both ignored (check 9); `iat` no older than `maxAgeSeconds`
 * and no newer than `futureSkewSeconds` (check 11); the signature against the embedded key (check
 * 6); `ath` when an access token is given (check 12); then the nonce policy (check 10). Unknown
 * claims are ignored, as RFC 7519 §4 asks.
 *
 * NOT checked here, the caller's job:
 * - more than one `DPoP` header (check 1): pass the single value only after counting them;
 * - `jti` single use (§11.1): callers own their replay store, keyed by `jkt` and `jti`, kept for
 *   the acceptance window (`maxAgeSeconds + futureSkewSeconds`);
 * - that `jkt` equals the access token's `cnf.jkt` at a resource server (check 12, §7.1).
 *
 * Signatures are checked with Web Crypto; `@agentauth/resource-server/node` exports the same
 * function over `node:crypto`, for the token endpoint.
 *
 * @throws DpopProofError `invalid_dpop_proof` or `use_dpop_nonce`, with a private `detail`.
 * @throws TypeError for invalid options.
 */
export const verifyDpopProof: (proof: string, options: VerifyDpopProofOptions) => Promise<VerifiedDpopProof> = createDpopProofVerifier(webDpopCrypto);

/** {@link verifyDpopProof} with its signatures checked by `backend`, and its own header cache. */
export function createDpopProofVerifier<K>(backend: DpopCrypto<K>): (proof: string, options: VerifyDpopProofOptions) => Promise<VerifiedDpopProof> {
  const cache: HeaderCache<K> = { backend, headers: new Map(), last: undefined };
  return (proof, options) => verifyWith(cache, proof, options);
}

async function verifyWith<K>(cache: HeaderCache<K>, proof: string, options: VerifyDpopProofOptions): Promise<VerifiedDpopProof> {
  const { target, maxAge, futureSkew, maxLength } = checkOptions(options);
  if (typeof proof !== 'string' || proof === '') throw invalid('proof missing');
  if (proof.length > maxLength) throw invalid(`proof longer than ${maxLength} characters`);

  const parts = proof.split('.');
  if (parts.length !== 3) throw invalid('not a compact JWS');
  const [h, p, s] = parts as [string, string, string];
  // The header's own form is tested when it is first seen (checkHeader): a cached one passed.
  if (!BASE64URL.test(p) || !BASE64URL.test(s)) throw invalid('not a compact JWS');
  const { alg, key } = cachedHeader(cache, h, options.algorithms) ?? (await checkHeader(cache, h, options.algorithms));
  const claims = decodeJsonSegment(p);
  if (claims === undefined) throw invalid('JWT claims are not a JSON object');

  const { jti, htm, htu, iat, ath, nonce } = claims;
  if (typeof jti !== 'string' || jti === '') throw invalid('jti missing');
  if (jti.length > MAX_JTI_LENGTH) throw invalid('jti too long');
  if (typeof htm !== 'string' || htm === '') throw invalid('htm missing');
  if (typeof htu !== 'string' || htu === '') throw invalid('htu missing');
  if (typeof iat !== 'number' || !Number.isFinite(iat)) throw invalid('iat missing');
  if (htm !== options.method) throw invalid('htm does not match the request method');
  // The same string normalises the same way: most clients send exactly the URL they called.
  if (htu !== options.url && normalizeTargetUri(htu) !== target) throw invalid('htu does not match the request URL');
  const nowSeconds = options.now / 1000;
  if (iat < nowSeconds - maxAge) throw invalid('iat too old');
  if (iat > nowSeconds + futureSkew) throw invalid('iat in the future');

  // The signing input is ASCII (two base64url segments and a dot), so its UTF-8 bytes are its
  // ASCII bytes (RFC 7515 §5.2 step 8). A signature not in canonical base64url fails as one.
  const signature = decodeBase64url(s);
  if (signature === undefined || !(await cache.backend.verify(alg, key.key, ENCODER.encode(proof.slice(0, h.length + 1 + p.length)), signature))) {
    throw invalid('signature verification failed');
  }

  if (options.accessToken !== undefined) {
    if (typeof ath !== 'string' || ath === '') throw invalid('ath missing');
    if (!constantTimeEqual(ath, await dpopAccessTokenHash(options.accessToken))) throw invalid('ath does not match the access token');
  }

  if (nonce !== undefined && (typeof nonce !== 'string' || nonce === '' || nonce.length > MAX_NONCE_LENGTH)) throw invalid('nonce is not a string');
  if (options.expectedNonce !== undefined) {
    const verdict = options.expectedNonce(nonce);
    if (verdict === 'missing') throw new DpopProofError('use_dpop_nonce', 'nonce required');
    if (verdict === 'invalid') throw new DpopProofError('use_dpop_nonce', 'nonce stale or unknown');
    if (verdict !== 'ok') throw new TypeError("expectedNonce must return 'ok', 'missing' or 'invalid'");
  }

  const verified: VerifiedDpopProof = { jkt: key.jkt, jti, iat, htm, htu, alg, jwk: { ...key.jwk } };
  if (nonce !== undefined) verified.nonce = nonce;
  return verified;
}
