import { verify } from 'node:crypto';
import { children, DerError, expect, fromPem, expectChildren, readBitStringBytes, readDer, readOid, readUnsignedInteger, type DerNode } from '../der/der-reader.js';
import { OID } from './oids.js';
import { CSR_SIGNATURE_ALGORITHMS } from './signature-algorithms.js';
import { decodeSubjectPublicKey, PublicKeyError, type SubjectPublicKey } from './subject-public-key.js';

/** Largest CSR accepted, in DER bytes: a CSR over 16 KiB is refused. */
export const MAX_CSR_BYTES = 16 * 1024;

/** Why a CSR was refused; each code has one fixed, public description. */
export type CsrErrorCode =
  | 'csr_too_large'
  | 'malformed_csr'
  | 'unsupported_algorithm'
  | 'bad_signature'
  | 'weak_key'
  | 'multiple_uri_sans'
  | 'foreign_trust_domain'
  | 'identity_mismatch'
  | 'ca_requested'
  | 'identity_changed';

/** The fixed public text of each refusal (docs/ca.md, "Refusals"). */
export const CSR_ERROR_DESCRIPTIONS: Readonly<Record<CsrErrorCode, string>> = {
  csr_too_large: `the CSR exceeds ${MAX_CSR_BYTES} bytes`,
  malformed_csr: 'the CSR is not a DER PKCS#10 certification request (RFC 2986)',
  unsupported_algorithm: 'the CSR is signed with an algorithm that is not accepted (ECDSA, RSA PKCS#1 v1.5 with SHA-2, Ed25519)',
  bad_signature: 'the CSR signature does not verify with the public key it carries',
  weak_key: 'the CSR key is not allowed: use EC P-256 or P-384, RSA of at least 2048 bits, or Ed25519',
  multiple_uri_sans: 'the CSR asks for several URI SANs; an X.509-SVID has exactly one',
  foreign_trust_domain: 'the CSR asks for a SPIFFE ID in another trust domain',
  identity_mismatch: "the CSR asks for a URI SAN other than the agent's SPIFFE ID",
  ca_requested: 'the CSR asks for a CA certificate (basicConstraints cA=true)',
  identity_changed: "re-enrollment (RFC 7030 §4.2.2): the CSR's subject and subjectAltName must be identical to those of the current certificate",
};

/** A refused CSR. `message` is the fixed public description; `detail` is for the log and audit only. */
export class CsrError extends Error {
  override readonly name = 'CsrError';
  constructor(
    readonly code: CsrErrorCode,
    readonly detail: string = code,
  ) {
    super(CSR_ERROR_DESCRIPTIONS[code]);
  }
}

/** What we take from a CSR: its key, proven by its signature. Everything else it asks for is ignored. */
export interface CertificationRequest {
  readonly publicKey: SubjectPublicKey;
}

/**
 * Reads a PKCS#10 request (RFC 2986 §4) and proves possession of its key (§3: the signature over
 * CertificationRequestInfo). The subject and every requested extension are ignored, since the
 * certificate is issued from a fixed template, except for what shows the request is hostile or
 * mistaken: more than one URI SAN, a URI SAN other than `expectedSpiffeId` (a foreign trust domain
 * is reported as such), and basicConstraints cA=true.
 *
 * Does NOT check who may ask for `expectedSpiffeId`: the caller authenticated the agent.
 *
 * @throws {CsrError}
 */
export function readCertificationRequest(der: Buffer, expected: { trustDomain: string; spiffeId: string }): CertificationRequest {
  if (der.length > MAX_CSR_BYTES) throw new CsrError('csr_too_large', `${der.length} bytes`);
  let parts: { info: DerNode; algorithm: DerNode; signature: Buffer; spki: DerNode; attributes: DerNode | undefined };
  try {
    const [info, algorithm, signatureNode, ...rest] = expectChildren(readDer(der), 0x30, 'a CertificationRequest');
    if (rest.length > 0 || info === undefined || algorithm === undefined) throw new DerError('unexpected CertificationRequest members');
    const [version, subject, spki, attributes, ...more] = expectChildren(info, 0x30, 'a CertificationRequestInfo');
    if (more.length > 0) throw new DerError('unexpected CertificationRequestInfo members');
    const versionValue = readUnsignedInteger(version);
    if (versionValue.length !== 1 || versionValue[0] !== 0) throw new DerError('CSR version must be v1 (0)');
    expect(subject, 0x30, 'a subject Name');
    if (attributes !== undefined) expect(attributes, 0xa0, 'attributes [0]');
    // The signatureAlgorithm is outside what the signature covers: its tag is checked here, or
    // any constructed tag would read as the same request.
    parts = { info, algorithm: expect(algorithm, 0x30, 'a signatureAlgorithm AlgorithmIdentifier'), signature: readBitStringBytes(signatureNode), spki: expect(spki, 0x30, 'a SubjectPublicKeyInfo'), attributes };
  } catch (error) {
    if (error instanceof DerError) throw new CsrError('malformed_csr', error.message);
    throw error;
  }

  let publicKey: SubjectPublicKey;
  try {
    publicKey = decodeSubjectPublicKey(parts.spki);
  } catch (error) {
    if (error instanceof PublicKeyError) throw new CsrError(error.code === 'weak_key' ? 'weak_key' : 'malformed_csr', error.message);
    if (error instanceof DerError) throw new CsrError('malformed_csr', error.message);
    throw error;
  }

  checkSignature(parts.algorithm, parts.info, parts.signature, publicKey);
  if (parts.attributes !== undefined) checkRequestedExtensions(parts.attributes, expected);
  return { publicKey };
}

function checkSignature(algorithm: DerNode, info: DerNode, signature: Buffer, publicKey: SubjectPublicKey): void {
  let algOid: string;
  let params: DerNode[];
  try {
    [, ...params] = children(algorithm);
    algOid = readOid(children(algorithm)[0]);
  } catch (error) {
    if (error instanceof DerError) throw new CsrError('malformed_csr', error.message);
    throw error;
  }
  const allowed = CSR_SIGNATURE_ALGORITHMS.get(algOid);
  if (allowed === undefined) throw new CsrError('unsupported_algorithm', `signature algorithm ${algOid}`);
  const paramsOk = allowed.nullParams
    ? params.length === 1 && params[0]?.tag === 0x05 && params[0].content.length === 0
    : params.length === 0;
  if (!paramsOk) throw new CsrError('malformed_csr', 'signature algorithm parameters');
  if (!allowed.keyTypes.includes(publicKey.type)) throw new CsrError('unsupported_algorithm', `${algOid} with a ${publicKey.type} key`);
  let valid = false;
  try {
    valid = verify(allowed.hash, info.der, publicKey.key, signature);
  } catch {
    valid = false;
  }
  if (!valid) throw new CsrError('bad_signature');
}

/** Looks at the extensionRequest attribute (RFC 2985 §5.4.2) for the requests we refuse. */
function checkRequestedExtensions(attributes: DerNode, expected: { trustDomain: string; spiffeId: string }): void {
  try {
    for (const attribute of children(attributes)) {
      const [type, values] = expectChildren(attribute, 0x30, 'an Attribute');
      if (readOid(type) !== OID.extensionRequest) continue;
      for (const extensions of expectChildren(values, 0x31, 'attribute values')) {
        for (const extension of expectChildren(extensions, 0x30, 'Extensions')) {
          const members = expectChildren(extension, 0x30, 'an Extension');
          const id = readOid(members[0]);
          const value = readDer(expect(members[members.length - 1], 0x04, 'an extnValue').content);
          if (id === OID.subjectAltName) checkRequestedNames(value, expected);
          if (id === OID.basicConstraints) {
            const first = children(value)[0];
            if (first?.tag === 0x01 && first.content.length === 1 && first.content[0] !== 0) throw new CsrError('ca_requested');
          }
        }
      }
    }
  } catch (error) {
    if (error instanceof DerError) throw new CsrError('malformed_csr', error.message);
    throw error;
  }
}

function checkRequestedNames(generalNames: DerNode, expected: { trustDomain: string; spiffeId: string }): void {
  // GeneralName uniformResourceIdentifier is [6] IMPLICIT IA5String (RFC 5280 §4.2.1.6).
  const uris = children(generalNames).filter((name) => name.tag === 0x86);
  if (uris.length > 1) throw new CsrError('multiple_uri_sans', `${uris.length} URI SANs`);
  const uri = uris[0]?.content.toString('latin1');
  if (uri === undefined || uri === expected.spiffeId) return;
  const match = /^spiffe:\/\/([^/]*)/i.exec(uri);
  if (match !== null && match[1]?.toLowerCase() !== expected.trustDomain) throw new CsrError('foreign_trust_domain', `trust domain ${match[1] ?? ''}`);
  throw new CsrError('identity_mismatch', 'URI SAN is not the agent SPIFFE ID');
}

/** A CSR given as PEM (`CERTIFICATE REQUEST`, or the older `NEW CERTIFICATE REQUEST`) or DER. */
export function csrDer(csr: Buffer | string): Buffer {
  if (Buffer.isBuffer(csr)) return csr;
  if (typeof csr !== 'string') throw new TypeError('csr must be a PEM string or a DER Buffer');
  // Base64 and PEM armour add about 40%; anything longer cannot hold an acceptable CSR.
  if (csr.length > MAX_CSR_BYTES * 1.5) throw new CsrError('csr_too_large', `${csr.length} characters of PEM`);
  try {
    return fromPem(csr, csr.includes('BEGIN NEW CERTIFICATE REQUEST') ? 'NEW CERTIFICATE REQUEST' : 'CERTIFICATE REQUEST');
  } catch (error) {
    if (error instanceof DerError) throw new CsrError('malformed_csr', error.message);
    throw error;
  }
}
