import { createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, type JWK } from 'jose';
import { invalid } from './agent-error.js';

/** RFC 7518 §6.2.2, §6.3.2, §6.4 and RFC 8037 §2: members that make a JWK private or symmetric. */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth'] as const;

/** Asymmetric signature algorithms an agent may sign client assertions with (RFC 7518 §3). */
const ALLOWED_ALGS = new Set(['ES256', 'ES384', 'EdDSA', 'Ed25519', 'PS256', 'PS384', 'PS512', 'RS256', 'RS384', 'RS512']);

const MIN_RSA_BITS = 2048;
const MAX_RSA_BITS = 8192;
const MAX_KID_LENGTH = 200;
/** Bounds on `x5c` (RFC 7517 §4.7): a short chain of ordinary-sized certificates. */
const MAX_X5C_ENTRIES = 5;
const MAX_X5C_ENTRY_LENGTH = 12_000;

/** Members kept per key type, with `x5c` when valid; everything else (x5u, jku, vendor extras) is dropped. */
const PUBLIC_MEMBERS: Record<string, readonly string[]> = {
  EC: ['kty', 'crv', 'x', 'y'],
  OKP: ['kty', 'crv', 'x'],
  RSA: ['kty', 'n', 'e'],
};

/** A validated public JWK and the `kid` it is registered under. */
export interface ValidatedJwk {
  jwk: JWK;
  kid: string;
}

/**
 * Validates an agent's public key (RFC 7517 §4) and returns it reduced to its public members plus
 * `kid`, `alg` and `use`. Refuses any private or symmetric member (a private key sent to us is a
 * leaked key, not a credential), `kty: oct`, curves other than P-256, P-384 and Ed25519, and RSA
 * keys under 2048 bits. The `kid` is the JWK's own, or its RFC 7638 thumbprint when it has none.
 * An `x5c` (RFC 7517 §4.7) is kept when its first certificate parses and holds this very key: it
 * is how a `self_signed_tls_client_auth` agent registers its certificate (RFC 8705 §2.2).
 *
 * Does NOT check that the key is unique across agents, nor on this agent (the service does).
 */
export async function validatePublicJwk(input: unknown): Promise<ValidatedJwk> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw invalid('jwk must be a JSON object');
  const raw = input as Record<string, unknown>;
  for (const member of PRIVATE_MEMBERS) {
    if (member in raw) throw invalid(`jwk must be a public key: private member "${member}" is not accepted`);
  }
  const kty = raw['kty'];
  if (kty === 'oct') throw invalid('jwk must be an asymmetric key: kty "oct" is not accepted');
  if (typeof kty !== 'string' || !(kty in PUBLIC_MEMBERS)) throw invalid('jwk.kty must be one of EC, OKP, RSA');
  if (kty === 'EC' && raw['crv'] !== 'P-256' && raw['crv'] !== 'P-384') throw invalid('jwk.crv must be P-256 or P-384 for kty EC');
  if (kty === 'OKP' && raw['crv'] !== 'Ed25519') throw invalid('jwk.crv must be Ed25519 for kty OKP');
  if (raw['use'] !== undefined && raw['use'] !== 'sig') throw invalid('jwk.use must be "sig" when present');
  if (raw['alg'] !== undefined && (typeof raw['alg'] !== 'string' || !ALLOWED_ALGS.has(raw['alg']))) {
    throw invalid(`jwk.alg must be one of ${[...ALLOWED_ALGS].join(', ')} when present`);
  }
  if (raw['kid'] !== undefined && (typeof raw['kid'] !== 'string' || raw['kid'].length < 1 || raw['kid'].length > MAX_KID_LENGTH)) {
    throw invalid(`jwk.kid must be a string of 1..${MAX_KID_LENGTH} characters when present`);
  }

  const jwk: Record<string, string> = {};
  for (const member of PUBLIC_MEMBERS[kty] ?? []) {
    const value = raw[member];
    if (typeof value !== 'string' || value.length === 0) throw invalid(`jwk.${member} is required for kty ${kty}`);
    jwk[member] = value;
  }

  let key;
  try {
    // Node parses the key fully (point on curve, modulus), which a schema cannot.
    key = createPublicKey({ key: jwk, format: 'jwk' });
  } catch {
    throw invalid('jwk is not a valid public key');
  }
  if (kty === 'RSA') {
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < MIN_RSA_BITS || bits > MAX_RSA_BITS) throw invalid(`jwk RSA modulus must be ${MIN_RSA_BITS}..${MAX_RSA_BITS} bits`);
  }

  const x5c = raw['x5c'] === undefined ? undefined : validateX5c(raw['x5c'], key);
  const kid = typeof raw['kid'] === 'string' ? raw['kid'] : await calculateJwkThumbprint(jwk as JWK, 'sha256');
  const result: JWK = { ...jwk, kid };
  if (x5c !== undefined) result.x5c = x5c;
  if (typeof raw['alg'] === 'string') result.alg = raw['alg'];
  if (raw['use'] === 'sig') result.use = 'sig';
  return { jwk: result, kid };
}

/** RFC 7517 §4.7: standard base64 DER certificates, the first holding the JWK's key. */
function validateX5c(value: unknown, key: KeyObject): string[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_X5C_ENTRIES) throw invalid(`jwk.x5c must be an array of 1..${MAX_X5C_ENTRIES} certificates`);
  for (const entry of value) {
    if (typeof entry !== 'string' || entry.length > MAX_X5C_ENTRY_LENGTH || !/^[A-Za-z0-9+/]+={0,2}$/.test(entry)) {
      throw invalid('jwk.x5c entries must be base64 (not base64url) DER certificates');
    }
  }
  let first: X509Certificate;
  try {
    first = new X509Certificate(Buffer.from(value[0] as string, 'base64'));
  } catch {
    throw invalid('jwk.x5c[0] is not an X.509 certificate');
  }
  if (!first.publicKey.equals(key)) throw invalid('jwk.x5c[0] does not hold the key of this JWK');
  return value as string[];
}
