import { SIGNING_ALGS, type SigningAlg } from '@agentauth/protocol';
import type { ClientEntry, ClientKey } from '../client-directory.js';
import { decodeCompactJws, keyMatchesAlg, verifyJwsSignature, type DecodedJws } from './compact-jws.js';

/** RFC 7523 §3 assertion limits. */
export const ASSERTION_MAX_LENGTH = 8 * 1024;
/** The bound: an assertion may not live longer than 5 minutes. */
export const ASSERTION_MAX_LIFETIME_SECONDS = 300;
export const ASSERTION_CLOCK_SKEW_SECONDS = 5;
const MAX_JTI_LENGTH = 256;

/** Header parameters that would let the token choose its own key (RFC 8725 §3.10); never honoured. */
const KEY_BEARING_HEADERS = ['jwk', 'jku', 'x5u', 'x5c', 'x5t', 'x5t#S256'];

/** A checked, unverified assertion: what we know after parsing, before the signature. */
export interface ParsedAssertion {
  jws: DecodedJws;
  alg: SigningAlg;
  kid: string | undefined;
  clientId: string;
  jti: string;
  /** Seconds. */
  exp: number;
}

/**
 * Parses an RFC 7523 §2.2 client assertion and applies every RFC 7523 §3 claim rule except the
 * signature: `iss` = `sub` = client_id, `aud` is exactly the issuer identifier (a string: strict
 * reading), `exp` present, not past and at most 5 minutes ahead, `nbf`/`iat` not in the future,
 * `jti` present. Returns the failure reason as a string (private detail, never sent to the client).
 */
export function parseClientAssertion(assertion: string, issuer: string, nowSeconds: number): ParsedAssertion | string {
  const jws = decodeCompactJws(assertion, ASSERTION_MAX_LENGTH);
  if (typeof jws === 'string') return jws;
  const { header, payload } = jws;

  const alg = header.alg;
  if (typeof alg !== 'string' || !(SIGNING_ALGS as readonly string[]).includes(alg)) return `alg ${safe(alg)} not allowed`;
  for (const name of KEY_BEARING_HEADERS) if (name in header) return `header ${name} not allowed`;
  if ('crit' in header) return 'crit header not supported';
  if (header.kid !== undefined && typeof header.kid !== 'string') return 'kid is not a string';

  const { iss, sub, aud, exp, nbf, iat, jti } = payload;
  if (typeof iss !== 'string' || iss === '') return 'iss missing';
  if (sub !== iss) return 'sub does not equal iss';
  if (aud !== issuer) return 'aud is not the issuer identifier';
  if (typeof exp !== 'number' || !Number.isFinite(exp)) return 'exp missing';
  if (exp <= nowSeconds - ASSERTION_CLOCK_SKEW_SECONDS) return 'assertion expired';
  if (exp > nowSeconds + ASSERTION_MAX_LIFETIME_SECONDS + ASSERTION_CLOCK_SKEW_SECONDS) return 'exp too far in the future';
  if (nbf !== undefined && (typeof nbf !== 'number' || nbf > nowSeconds + ASSERTION_CLOCK_SKEW_SECONDS)) return 'assertion not yet valid';
  if (iat !== undefined && (typeof iat !== 'number' || iat > nowSeconds + ASSERTION_CLOCK_SKEW_SECONDS)) return 'iat in the future';
  if (typeof jti !== 'string' || jti === '') return 'jti missing';
  if (jti.length > MAX_JTI_LENGTH) return 'jti too long';

  return { jws, alg: alg as SigningAlg, kid: header.kid as string | undefined, clientId: iss, jti, exp };
}

/**
 * Verifies the assertion's signature against the client's registered keys: the key named by
 * `kid`, or, without a `kid`, each registered key fit for the algorithm. Returns the key used.
 */
export function verifyClientAssertion(assertion: ParsedAssertion, client: ClientEntry): ClientKey | string {
  const candidates = assertion.kid === undefined ? client.keys : client.keys.filter((k) => k.kid === assertion.kid);
  if (candidates.length === 0) return assertion.kid === undefined ? 'client has no keys' : 'unknown kid';
  for (const candidate of candidates) {
    if (candidate.alg !== undefined && candidate.alg !== assertion.alg) continue;
    if (!keyMatchesAlg(assertion.alg, candidate.key)) continue;
    if (verifyJwsSignature(assertion.alg, candidate.key, assertion.jws)) return candidate;
  }
  return 'signature verification failed';
}

function safe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value.slice(0, 20)) : typeof value;
}
