import { sign, type KeyObject } from 'node:crypto';
import { derNull, oid, sequence } from '../der/der-writer.js';
import { OID } from './oids.js';
import type { SubjectPublicKey } from './subject-public-key.js';

/** A signature algorithm we verify (RFC 5758 §3.2, RFC 4055 §5, RFC 8410 §3): its hash and key type. */
interface VerifyAlgorithm {
  readonly hash: 'sha256' | 'sha384' | 'sha512' | null;
  readonly keyTypes: readonly SubjectPublicKey['type'][];
  /** RSA algorithm identifiers carry NULL parameters; ECDSA and Ed25519 ones carry none. */
  readonly nullParams: boolean;
}

const EC = ['P-256', 'P-384'] as const;

/** Signature algorithms accepted on a CSR, by OID. Anything else (MD5, SHA-1, PSS) is refused. */
export const CSR_SIGNATURE_ALGORITHMS: ReadonlyMap<string, VerifyAlgorithm> = new Map([
  [OID.ecdsaSha256, { hash: 'sha256', keyTypes: EC, nullParams: false }],
  [OID.ecdsaSha384, { hash: 'sha384', keyTypes: EC, nullParams: false }],
  [OID.ecdsaSha512, { hash: 'sha512', keyTypes: EC, nullParams: false }],
  [OID.sha256WithRsa, { hash: 'sha256', keyTypes: ['RSA'], nullParams: true }],
  [OID.sha384WithRsa, { hash: 'sha384', keyTypes: ['RSA'], nullParams: true }],
  [OID.sha512WithRsa, { hash: 'sha512', keyTypes: ['RSA'], nullParams: true }],
  [OID.ed25519, { hash: null, keyTypes: ['Ed25519'], nullParams: false }],
]);

/** How a CA key signs: the AlgorithmIdentifier to embed and a synchronous signer. */
export interface CaSigner {
  /** DER AlgorithmIdentifier (RFC 5280 §4.1.1.2), the same in the TBS and outside it. */
  readonly algorithm: Buffer;
  sign(data: Buffer): Buffer;
}

/**
 * The signer for a CA private key: ECDSA P-256 with SHA-256 (our own CAs), P-384 with SHA-384,
 * RSA PKCS#1 v1.5 with SHA-256, or Ed25519, for imported CAs. ECDSA signatures are DER
 * ECDSA-Sig-Value, as X.509 requires (RFC 5758 §3.2).
 */
export function caSigner(privateKey: KeyObject): CaSigner {
  if (privateKey.type !== 'private') throw new TypeError('privateKey must be a private KeyObject');
  const type = privateKey.asymmetricKeyType;
  const curve = privateKey.asymmetricKeyDetails?.namedCurve;
  if (type === 'ec' && (curve === 'prime256v1' || curve === 'P-256')) {
    return { algorithm: sequence(oid(OID.ecdsaSha256)), sign: (data) => sign('sha256', data, privateKey) };
  }
  if (type === 'ec' && (curve === 'secp384r1' || curve === 'P-384')) {
    return { algorithm: sequence(oid(OID.ecdsaSha384)), sign: (data) => sign('sha384', data, privateKey) };
  }
  if (type === 'rsa' && (privateKey.asymmetricKeyDetails?.modulusLength ?? 0) >= 2048) {
    return { algorithm: sequence(oid(OID.sha256WithRsa), derNull), sign: (data) => sign('sha256', data, privateKey) };
  }
  if (type === 'ed25519') return { algorithm: sequence(oid(OID.ed25519)), sign: (data) => sign(null, data, privateKey) };
  throw new TypeError('CA keys must be EC P-256/P-384, RSA (2048+ bits) or Ed25519');
}
