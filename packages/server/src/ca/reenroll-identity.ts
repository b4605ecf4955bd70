import { children, DerError, expect, expectChildren, readDer, readOid, readUnsignedInteger, type DerNode } from '../der/der-reader.js';
import { CsrError } from './certification-request.js';
import { serialHex } from './certificate-builder.js';
import { OID } from './oids.js';

/** RFC 6402 §6.8 id-cmc-changeSubjectName: a CSR attribute asking a re-enrollment to change names. */
const CHANGE_SUBJECT_NAME = '1.3.6.1.5.5.7.7.36';

/** The names RFC 7030 §4.2.2 compares: the subject Name and the subjectAltName GeneralNames, as DER. */
interface Names {
  subject: Buffer;
  subjectAltName: Buffer | undefined;
}

/**
 * RFC 7030 §4.2.2 `/simplereenroll`, strict reading: "the Subject field and SubjectAltName
 * extension MUST be identical to the corresponding fields in the certificate being renewed or
 * rekeyed". Our certificates have an empty subject and one URI SAN (the SPIFFE ID), so the CSR must
 * ask for exactly those: an empty subject and a subjectAltName extension request whose
 * GeneralNames encode identically (`openssl req -subj / -addext subjectAltName=URI:<spiffe id>`).
 * A CSR without the SAN request, with any subject, or with the ChangeSubjectName attribute (which
 * asks for other names; our template never changes them) is refused. The key may differ (rekey).
 *
 * Does NOT check the CSR's signature or key: `readCertificationRequest` does, in the same issuance.
 *
 * @throws {CsrError} `identity_changed`, or `malformed_csr` when either encoding cannot be read
 */
export function checkReenrollIdentity(csr: Buffer, current: Buffer): void {
  let requested: Names;
  let held: Names;
  try {
    requested = requestNames(csr);
    held = certificateNames(current);
  } catch (error) {
    if (error instanceof DerError) throw new CsrError('malformed_csr', error.message);
    throw error;
  }
  if (!requested.subject.equals(held.subject)) throw new CsrError('identity_changed', 'the subject differs from the current certificate');
  const same = requested.subjectAltName === undefined ? held.subjectAltName === undefined : held.subjectAltName !== undefined && requested.subjectAltName.equals(held.subjectAltName);
  if (!same) throw new CsrError('identity_changed', 'the subjectAltName differs from the current certificate');
}

/** The value of the one subjectAltName extension in `extensions` (a SEQUENCE OF Extension). */
function subjectAltNameOf(extensions: readonly DerNode[], where: string): Buffer | undefined {
  let found: Buffer | undefined;
  for (const extension of extensions) {
    const members = expectChildren(extension, 0x30, 'an Extension');
    if (readOid(members[0]) !== OID.subjectAltName) continue;
    if (found !== undefined) throw new CsrError('identity_changed', `several subjectAltName extensions in the ${where}`);
    found = expect(members[members.length - 1], 0x04, 'an extnValue').content;
  }
  return found;
}

function requestNames(csr: Buffer): Names {
  const [info] = expectChildren(readDer(csr), 0x30, 'a CertificationRequest');
  const [, subject, , attributes] = expectChildren(info, 0x30, 'a CertificationRequestInfo');
  let subjectAltName: Buffer | undefined;
  let requests = 0;
  for (const attribute of attributes === undefined ? [] : children(expect(attributes, 0xa0, 'attributes [0]'))) {
    const [type, values] = expectChildren(attribute, 0x30, 'an Attribute');
    const id = readOid(type);
    if (id === CHANGE_SUBJECT_NAME) throw new CsrError('identity_changed', 'the CSR carries ChangeSubjectName');
    if (id !== OID.extensionRequest) continue;
    for (const extensions of expectChildren(values, 0x31, 'attribute values')) {
      if (++requests > 1) throw new CsrError('identity_changed', 'several extension requests');
      subjectAltName = subjectAltNameOf(expectChildren(extensions, 0x30, 'Extensions'), 'CSR');
    }
  }
  return { subject: expect(subject, 0x30, 'a subject Name').der, subjectAltName };
}

function certificateNames(certificate: Buffer): Names {
  const [tbs] = expectChildren(readDer(certificate), 0x30, 'a Certificate');
  const fields = expectChildren(tbs, 0x30, 'a TBSCertificate');
  // version [0] (optional), serialNumber, signature, issuer, validity, subject, ... extensions [3]
  const subject = expect(fields[(fields[0]?.tag === 0xa0 ? 1 : 0) + 4], 0x30, 'a subject Name');
  const extensions = fields.find((field) => field.tag === 0xa3);
  const list = extensions === undefined ? [] : expectChildren(children(extensions)[0], 0x30, 'Extensions');
  return { subject: subject.der, subjectAltName: subjectAltNameOf(list, 'certificate') };
}

/**
 * The canonical serial (certificate-builder.ts `serialHex`) of a DER certificate, e.g. the one a
 * renewal is authenticated by, for the audit record. Throws `TypeError` for anything else.
 */
export function certificateSerial(certificate: Buffer): string {
  try {
    const fields = expectChildren(expectChildren(readDer(certificate), 0x30, 'a Certificate')[0], 0x30, 'a TBSCertificate');
    return serialHex(readUnsignedInteger(fields[fields[0]?.tag === 0xa0 ? 1 : 0]));
  } catch (error) {
    if (error instanceof DerError) throw new TypeError('expected a DER certificate');
    throw error;
  }
}
