import { createPublicKey, type KeyObject } from 'node:crypto';
import { bitString, derNull, oid, sequence, unsignedInteger } from '../der/der-writer.js';
import { DerError, expectChildren, readBitStringBytes, readDer, readOid, readUnsignedInteger, type DerNode } from '../der/der-reader.js';
import { OID } from './oids.js';

/** RSA keys below this many bits are refused (NIST SP 800-131A). */
export const MIN_RSA_BITS = 2048;
/** RSA keys above this are refused too: verifying with them costs far more, and nobody needs them. */
export const MAX_RSA_BITS = 8192;

/** A public key we accept in a certificate, as decoded from a SubjectPublicKeyInfo (RFC 5280 §4.1.2.7). */
export interface SubjectPublicKey {
  readonly type: 'P-256' | 'P-384' | 'RSA' | 'Ed25519';
  /** For `crypto.verify`. */
  readonly key: KeyObject;
  /** The SubjectPublicKeyInfo re-encoded from the key's parts, so what we sign is canonical DER. */
  readonly spki: Buffer;
  /** The subjectPublicKey BIT STRING's octets (RFC 5280 §4.2.1.2 key identifier input). */
  readonly keyBits: Buffer;
}

/** Why a key is refused: `weak_key` for a key type or size we do not allow, else malformed. */
export class PublicKeyError extends Error {
  override readonly name = 'PublicKeyError';
  constructor(
    readonly code: 'weak_key' | 'malformed',
    message: string,
  ) {
    super(message);
  }
}

const EC_COORDINATE = { 'P-256': 32, 'P-384': 48 } as const;

/**
 * Decodes a SubjectPublicKeyInfo and builds its KeyObject from the key's parts (a JWK), which
 * node:crypto imports several times faster than DER SPKI. Allowed: EC P-256 and P-384 (uncompressed
 * points, RFC 5480 §2.2), RSA of {@link MIN_RSA_BITS} to {@link MAX_RSA_BITS} bits (RFC 3279 §2.3.1)
 * and Ed25519 (RFC 8410 §4). Every other curve or algorithm is `weak_key`.
 */
export function decodeSubjectPublicKey(spkiNode: DerNode): SubjectPublicKey {
  const [algorithm, keyNode] = expectChildren(spkiNode, 0x30, 'a SubjectPublicKeyInfo');
  const [algOid, params, ...more] = expectChildren(algorithm, 0x30, 'an AlgorithmIdentifier');
  if (more.length > 0) throw new PublicKeyError('malformed', 'unexpected AlgorithmIdentifier members');
  const keyBits = readBitStringBytes(keyNode);
  const algorithmOid = readOid(algOid);
  try {
    if (algorithmOid === OID.ecPublicKey) {
      const curveOid = readOid(params);
      const type = curveOid === OID.p256 ? 'P-256' : curveOid === OID.p384 ? 'P-384' : undefined;
      if (type === undefined) throw new PublicKeyError('weak_key', 'only the elliptic curves P-256 and P-384 are allowed');
      const size = EC_COORDINATE[type];
      if (keyBits.length !== 1 + 2 * size || keyBits[0] !== 0x04) throw new PublicKeyError('malformed', 'EC keys must be uncompressed points');
      const x = keyBits.subarray(1, 1 + size).toString('base64url');
      const y = keyBits.subarray(1 + size).toString('base64url');
      const key = createPublicKey({ key: { kty: 'EC', crv: type, x, y }, format: 'jwk' });
      return { type, key, keyBits, spki: sequence(sequence(oid(OID.ecPublicKey), oid(curveOid)), bitString(keyBits)) };
    }
    if (algorithmOid === OID.rsaEncryption) {
      if (params === undefined || params.tag !== 0x05 || params.content.length !== 0) throw new PublicKeyError('malformed', 'RSA parameters must be NULL');
      const [modulus, exponent, ...rest] = expectChildren(readDer(keyBits), 0x30, 'an RSAPublicKey');
      if (rest.length > 0) throw new PublicKeyError('malformed', 'unexpected RSAPublicKey members');
      const n = readUnsignedInteger(modulus);
      const e = readUnsignedInteger(exponent);
      const bits = n.length * 8 - Math.clz32(n[0] as number) + 24;
      if (bits < MIN_RSA_BITS) throw new PublicKeyError('weak_key', `RSA keys must have at least ${MIN_RSA_BITS} bits`);
      if (bits > MAX_RSA_BITS) throw new PublicKeyError('weak_key', `RSA keys must have at most ${MAX_RSA_BITS} bits`);
      if (e.length > 4 || ((e[e.length - 1] as number) & 1) === 0 || (e.length === 1 && (e[0] as number) < 3)) {
        throw new PublicKeyError('weak_key', 'the RSA public exponent must be odd and at least 3');
      }
      const key = createPublicKey({ key: { kty: 'RSA', n: n.toString('base64url'), e: e.toString('base64url') }, format: 'jwk' });
      const canonicalBits = sequence(unsignedInteger(n), unsignedInteger(e));
      return { type: 'RSA', key, keyBits: canonicalBits, spki: sequence(sequence(oid(OID.rsaEncryption), derNull), bitString(canonicalBits)) };
    }
    if (algorithmOid === OID.ed25519) {
      if (params !== undefined) throw new PublicKeyError('malformed', 'Ed25519 has no parameters (RFC 8410 §3)');
      if (keyBits.length !== 32) throw new PublicKeyError('malformed', 'Ed25519 keys are 32 bytes');
      const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: keyBits.toString('base64url') }, format: 'jwk' });
      return { type: 'Ed25519', key, keyBits, spki: sequence(sequence(oid(OID.ed25519)), bitString(keyBits)) };
    }
  } catch (error) {
    if (error instanceof PublicKeyError || error instanceof DerError) throw error;
    // node:crypto refuses points not on the curve and other impossible keys.
    throw new PublicKeyError('malformed', 'the public key is not a valid key');
  }
  throw new PublicKeyError('weak_key', 'only EC P-256/P-384, RSA (2048+ bits) and Ed25519 keys are allowed');
}
