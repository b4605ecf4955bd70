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
const MIN_RSA_BITS = 2048;

/** The proof's key, imported, and its RFC 7638 thumbprint (the `jkt` a token is bound to). */
export interface DpopKey {
  /** A Web Crypto key, usable for `verify` with the one algorithm the proof named. */
  key: CryptoKey;
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
 * The Web Crypto import parameters for a key that fits `alg` (W3C Web Cryptography API §23-§25;
 * RFC 7518 §3.3-§3.5, RFC 8037 §3.1). The key is bound to this one algorithm, hash included, so it
 * can verify nothing else. Ed448 imports only where the runtime has it (Node.js does, browsers
 * mostly do not); elsewhere the import fails and the proof is refused.
 */
function importParameters(alg: DpopAlgorithm, members: Record<string, string>): EcKeyImportParams | RsaHashedImportParams | Algorithm {
  switch (alg) {
    case 'ES256':
      return { name: 'ECDSA', namedCurve: 'P-256' };
    case 'ES384':
      return { name: 'ECDSA', namedCurve: 'P-384' };
    case 'PS256':
      return { name: 'RSA-PSS', hash: 'SHA-256' };
    case 'RS256':
      return { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
    case 'EdDSA':
      return { name: members.crv as string };
  }
}

/**
 * Checks the `jwk` header of a proof (RFC 9449 §4.3 checks 5 and 7): a JSON object holding a public
 * key of the type `alg` needs, with no private member; then imports it and computes its RFC 7638
 * thumbprint. Returns the failure reason as a string (a private detail, never key material).
 */
export async function importDpopKey(jwk: unknown, alg: DpopAlgorithm): Promise<DpopKey | string> {
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) return 'jwk header missing or not a JSON object';
  const record = jwk as Record<string, unknown>;
  for (const name of PRIVATE_MEMBERS) if (Object.hasOwn(record, name)) return `jwk holds the private member ${name}`;
  const members = requiredMembers(record);
  if (members === undefined) return 'jwk is not a public EC, RSA or OKP key';
  if (!fitsAlgorithm(alg, members)) return `jwk does not fit alg ${alg}`;

  let key: CryptoKey;
  try {
    // Only the required members reach the importer: `use`, `key_ops`, `alg` and the like in a
    // client-chosen key are not trusted to mean anything. The import checks an EC point is on
    // its curve.
    key = await crypto.subtle.importKey('jwk', members, importParameters(alg, members), false, ['verify']);
  } catch {
    return 'jwk is not a valid public key';
  }
  if ((alg === 'PS256' || alg === 'RS256') && ((key.algorithm as RsaHashedKeyAlgorithm).modulusLength ?? 0) < MIN_RSA_BITS) return 'RSA key shorter than 2048 bits';
  return { key, jkt: await calculateJwkThumbprint(members as JWK, 'sha256'), jwk: { ...members } };
}

/** The Web Crypto `verify` parameters of each algorithm (RFC 7518 §3.4-§3.5, RFC 8037 §3.1). */
function verifyParameters(key: CryptoKey, alg: DpopAlgorithm): Algorithm | EcdsaParams | RsaPssParams {
  switch (alg) {
    case 'ES256':
      return { name: 'ECDSA', hash: 'SHA-256' };
    case 'ES384':
      return { name: 'ECDSA', hash: 'SHA-384' };
    case 'PS256':
      // RFC 7518 §3.5: the salt is as long as the hash, 32 bytes for SHA-256.
      return { name: 'RSA-PSS', saltLength: 32 };
    case 'RS256':
      return { name: 'RSASSA-PKCS1-v1_5' };
    case 'EdDSA':
      return { name: key.algorithm.name };
  }
}

/** The length of an ECDSA signature (RFC 7518 §3.4: R || S, 32 bytes each for P-256, 48 for P-384). */
const ECDSA_SIGNATURE_LENGTH: Partial<Record<DpopAlgorithm, number>> = { ES256: 64, ES384: 96 };

/**
 * Verifies a JWS signature (RFC 7515 §5.2) with Web Crypto, so the check runs on any runtime. An
 * ECDSA signature is the fixed-length R || S that Web Crypto takes; any other length is refused
 * before verifying, never converted. A key Web Crypto refuses for the algorithm is a failed
 * signature, never a thrown error.
 */
export async function verifyDpopSignature(alg: DpopAlgorithm, key: CryptoKey, signingInput: Uint8Array<ArrayBuffer>, signature: Uint8Array<ArrayBuffer>): Promise<boolean> {
  const expectedLength = ECDSA_SIGNATURE_LENGTH[alg];
  if (expectedLength !== undefined && signature.length !== expectedLength) return false;
  try {
    return await crypto.subtle.verify(verifyParameters(key, alg), key, signature, signingInput);
  } catch {
    return false;
  }
}
