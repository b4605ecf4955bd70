import { calculateJwkThumbprint, type JWK } from 'jose';

/**
 * Every JWS algorithm a DPoP proof may be verified with (RFC 9449 §4.2: asymmetric only; RFC 7518
 * §3.3-§3.5, RFC 8037 §3.1). `none` and HMAC can never be configured (RFC 9449 §4.3 check 5).
 * RS256 is supported but off by default: it is allowed only when a caller lists it.
 */
export const DPOP_ALGORITHMS = ['ES256', 'ES384', 'EdDSA', 'PS256', 'RS256'] as const;
export type DpopAlgorithm = (typeof DPOP_ALGORITHMS)[number];

/** JWK members that carry private or symmetric key material (RFC 7518 §6.2.2, §6.3.2, §6.4; RFC 8037 §2). */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;

/** Smallest RSA modulus accepted (RFC 7518 §3.3, §3.5: 2048 bits or larger). */
export const MIN_RSA_BITS = 2048;

/** The length of an ECDSA signature (RFC 7518 §3.4: R || S, 32 bytes each for P-256, 48 for P-384). */
export const ECDSA_SIGNATURE_LENGTH: Partial<Record<DpopAlgorithm, number>> = { ES256: 64, ES384: 96 };

/**
 * The signature primitives a proof is checked with (RFC 7515 §5.2), everything else being the same
 * rules: Web Crypto in the core (`web-dpop-crypto.ts`), `node:crypto` in `/node` for the token
 * endpoint, where a synchronous check costs less per proof. One contract suite
 * (`test/dpop/dpop-crypto.contract.test.ts` and the Wycheproof vectors) runs against both.
 */
export interface DpopCrypto<K> {
  /**
   * Imports the RFC 7638 required members of a public key that fits `alg` (checked before), for
   * `alg` alone; returns the refusal reason as a string for a key that is invalid (an EC point off
   * its curve), unsupported here, or an RSA key under 2048 bits (RFC 7518 §3.3, §3.5).
   */
  importKey(members: Record<string, string>, alg: DpopAlgorithm): Promise<K | string>;
  /**
   * Whether `signature` is a valid `alg` signature of `signingInput` by `key`; an ECDSA signature
   * is the fixed-length R || S of RFC 7518 §3.4, and any other length is false. Never throws.
   */
  verify(alg: DpopAlgorithm, key: K, signingInput: Uint8Array<ArrayBuffer>, signature: Uint8Array<ArrayBuffer>): Promise<boolean> | boolean;
}

/** The proof's key, imported, and its RFC 7638 thumbprint (the `jkt` a token is bound to). */
export interface DpopKey<K> {
  /** The key as its {@link DpopCrypto} imported it, usable with the one algorithm the proof named. */
  key: K;
  /** RFC 7638 JWK SHA-256 thumbprint, base64url (RFC 9449 §6.1). */
  jkt: string;
  /** The public JWK with only its RFC 7638 required members. */
  jwk: JWK;
}

/** The RFC 7638 §3.2 required members of a public key, in lexicographic order; undefined if any is missing. */
function requiredMembers(jwk: Record<string, unknown>): Record<string, string> | undefined {
  const names = jwk.kty === 'EC' ? ['crv', 'kty', 'x', 'y'] : jwk.kty === 'RSA' ? ['e', 'kty', 'n'] : jwk.kty === 'OKP' ? ['crv', 'kty', 'x'] : undefined;
  if (names === undefined) return undefined;
  const out: Record<string, string> = {};
  for (const name of names) {
    const value = jwk[name];
    if (typeof value !== 'string' || value === '' || !/^[A-Za-z0-9_-]+$/.test(value)) return undefined;
    out[name] = value;
  }
  return out;
}

/** Whether the key type and curve are the ones `alg` needs (RFC 8725 §3.1: no key used with a foreign algorithm). */
function fitsAlgorithm(alg: DpopAlgorithm, members: Record<string, string>): boolean {
  switch (alg) {
    case 'ES256':
      return members.kty === 'EC' && members.crv === 'P-256';
    case 'ES384':
      return members.kty === 'EC' && members.crv === 'P-384';
    case 'EdDSA':
      return members.kty === 'OKP' && (members.crv === 'Ed25519' || members.crv === 'Ed448');
    case 'PS256':
    case 'RS256':
      return members.kty === 'RSA';
  }
}

/**
 * Checks the `jwk` header of a proof (RFC 9449 §4.3 checks 5 and 7): a JSON object holding a public
 * key of the type `alg` needs, with no private member; then imports it with `backend` and computes
 * its RFC 7638 thumbprint. Returns the failure reason as a string (a private detail, never key
 * material).
 */
export async function importDpopKey<K>(jwk: unknown, alg: DpopAlgorithm, backend: DpopCrypto<K>): Promise<DpopKey<K> | string> {
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) return 'jwk header missing or not a JSON object';
  const record = jwk as Record<string, unknown>;
  for (const name of PRIVATE_MEMBERS) if (Object.hasOwn(record, name)) return `jwk holds the private member ${name}`;
  const members = requiredMembers(record);
  if (members === undefined) return 'jwk is not a public EC, RSA or OKP key';
  if (!fitsAlgorithm(alg, members)) return `jwk does not fit alg ${alg}`;

  // Only the required members reach the importer: `use`, `key_ops`, `alg` and the like in a
  // client-chosen key are not trusted to mean anything.
  const key = await backend.importKey(members, alg);
  if (typeof key === 'string') return key;
  return { key, jkt: await calculateJwkThumbprint(members as JWK, 'sha256'), jwk: { ...members } };
}
