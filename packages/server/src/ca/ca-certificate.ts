import { createPublicKey, verify, X509Certificate, type KeyObject } from 'node:crypto';
import { children, expect, expectChildren, readBitStringBytes, readDer, readOid, type DerNode } from '../der/der-reader.js';
import { keyIdentifier } from './certificate-builder.js';
import { OID } from './oids.js';
import { caSigner, CSR_SIGNATURE_ALGORITHMS, type CaSigner } from './signature-algorithms.js';

/** The facts of a CA certificate that issuing and checking need, decoded once. */
export interface CaCertificate {
  readonly der: Buffer;
  readonly x509: X509Certificate;
  /** The subject Name DER: the `issuer` of everything this CA signs (RFC 5280 §4.1.2.4). */
  readonly subject: Buffer;
  /** Its key identifier: from its SKI extension, else computed (RFC 5280 §4.2.1.2). */
  readonly keyId: Buffer;
  readonly notBefore: number;
  readonly notAfter: number;
  readonly publicKey: KeyObject;
  /** Verifies a signature this CA made with `algorithm` (the DER AlgorithmIdentifier). */
  verifySignature(algorithm: Buffer, data: Buffer, signature: Buffer): boolean;
}

/** A CA certificate together with its private key: what signs certificates and CRLs. */
export interface SigningCa extends CaCertificate {
  readonly signer: CaSigner;
}

/** The TBSCertificate members of a certificate (RFC 5280 §4.1), undecoded. */
export function tbsMembers(der: Buffer): { tbs: DerNode; members: DerNode[]; algorithm: DerNode; signature: Buffer } {
  const [tbs, algorithm, signature, ...rest] = expectChildren(readDer(der), 0x30, 'a Certificate');
  if (rest.length > 0 || tbs === undefined || algorithm === undefined) throw new TypeError('not a certificate');
  return { tbs, members: expectChildren(tbs, 0x30, 'a TBSCertificate'), algorithm: expect(algorithm, 0x30, 'an AlgorithmIdentifier'), signature: readBitStringBytes(signature) };
}

/** Extensions of a TBSCertificate by OID: `[critical, extnValue DER]`. */
export function extensionsOf(members: readonly DerNode[]): Map<string, { critical: boolean; value: DerNode }> {
  const out = new Map<string, { critical: boolean; value: DerNode }>();
  const wrapper = members.find((member) => member.tag === 0xa3);
  if (wrapper === undefined) return out;
  for (const ext of expectChildren(children(wrapper)[0], 0x30, 'Extensions')) {
    const parts = children(ext);
    const id = readOid(parts[0]);
    if (out.has(id)) throw new TypeError(`extension ${id} appears twice`);
    const critical = parts.length === 3 && parts[1]?.tag === 0x01 && parts[1].content[0] !== 0;
    out.set(id, { critical, value: readDer(expect(parts[parts.length - 1], 0x04, 'an extnValue').content) });
  }
  return out;
}

/**
 * Decodes a CA certificate (ours or one an operator imports): it must be a v3 certificate with
 * basicConstraints cA=true. Throws TypeError otherwise (callers turn that into their own refusal).
 */
export function readCaCertificate(der: Buffer): CaCertificate {
  const x509 = new X509Certificate(der);
  if (!x509.ca) throw new TypeError('the certificate is not a CA certificate (basicConstraints cA=true)');
  const { members } = tbsMembers(der);
  const subject = members[5];
  const spki = members[6];
  if (subject === undefined || spki === undefined) throw new TypeError('not a v3 certificate');
  const keyBits = readBitStringBytes(children(spki)[1]);
  const ski = extensionsOf(members).get(OID.subjectKeyIdentifier);
  const keyId = ski === undefined ? keyIdentifier(keyBits) : Buffer.from(expect(ski.value, 0x04, 'a KeyIdentifier').content);
  const publicKey = x509.publicKey;
  return {
    der,
    x509,
    subject: subject.der,
    keyId,
    notBefore: Date.parse(x509.validFrom),
    notAfter: Date.parse(x509.validTo),
    publicKey,
    verifySignature(algorithm, data, signature) {
      const found = CSR_SIGNATURE_ALGORITHMS.get(readOid(children(readDer(algorithm))[0]));
      if (found === undefined) return false;
      try {
        return verify(found.hash, data, publicKey, signature);
      } catch {
        return false;
      }
    },
  };
}

/** A CA certificate and its private key, checked to belong together. */
export function signingCa(der: Buffer, privateKey: KeyObject): SigningCa {
  const certificate = readCaCertificate(der);
  const expected = certificate.publicKey.export({ format: 'der', type: 'spki' });
  if (!createPublicKey(privateKey).export({ format: 'der', type: 'spki' }).equals(expected)) {
    throw new TypeError('the private key does not belong to the CA certificate');
  }
  return { ...certificate, signer: caSigner(privateKey) };
}
