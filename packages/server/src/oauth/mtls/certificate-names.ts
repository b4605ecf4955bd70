import type { X509Certificate } from 'node:crypto';
import { children, DerError, expect, readDer, readDirectoryString, readOid, type DerNode } from '../../der/der-reader.js';
import type { DistinguishedName } from '../../der/distinguished-name.js';

/** The names RFC 8705 §2.1.2 matches on: the subject DN and the URI and DNS subjectAltNames. */
export interface CertificateNames {
  subject: DistinguishedName;
  sanUris: string[];
  sanDnsNames: string[];
}

const SUBJECT_ALT_NAME = '2.5.29.17';

/**
 * Reads the subject DN and the subjectAltName URI and dNSName entries (RFC 5280 §4.1.2.6,
 * §4.2.1.6) from a certificate Node has already parsed. Returns undefined when the encoding is
 * not what RFC 5280 says it must be, so a malformed certificate can never match anything.
 */
export function certificateNames(certificate: X509Certificate): CertificateNames | undefined {
  try {
    const tbs = children(readDer(certificate.raw))[0];
    if (tbs === undefined) return undefined;
    const fields = children(tbs);
    // tbsCertificate: [0] version (optional), serial, signature, issuer, validity, subject, spki, ...
    let index = fields[0]?.tag === 0xa0 ? 1 : 0;
    index += 4;
    const subjectElement = fields[index];
    if (subjectElement === undefined || subjectElement.tag !== 0x30) return undefined;
    const subject = readName(subjectElement);
    const names: CertificateNames = { subject, sanUris: [], sanDnsNames: [] };
    const extensions = fields.find((f) => f.tag === 0xa3);
    if (extensions === undefined) return names;
    const list = children(extensions)[0];
    if (list === undefined) return undefined;
    for (const extension of children(list)) {
      const parts = children(extension);
      if (parts[0]?.tag !== 0x06 || readOid(parts[0]) !== SUBJECT_ALT_NAME) continue;
      const octets = parts[parts.length - 1];
      if (octets === undefined || octets.tag !== 0x04) return undefined;
      readAltNames(readDer(octets.content), names);
    }
    return names;
  } catch (error) {
    if (error instanceof DerError || error instanceof TypeError || error instanceof RangeError) return undefined;
    throw error;
  }
}

function readName(name: DerNode): DistinguishedName {
  return children(name).map((rdn) => {
    if (rdn.tag !== 0x31) throw new DerError('RDN is not a SET');
    return children(rdn).map((atv) => {
      const [type, value] = children(atv);
      if (value === undefined) throw new DerError('bad AttributeTypeAndValue');
      return { oid: readOid(type), text: readDirectoryString(value), der: Buffer.from(value.der) };
    });
  });
}

function readAltNames(generalNames: DerNode, into: CertificateNames): void {
  for (const name of children(expect(generalNames, 0x30, 'GeneralNames (a SEQUENCE)'))) {
    // Context tags [2] dNSName and [6] uniformResourceIdentifier, both IA5String (RFC 5280 §4.2.1.6).
    if (name.tag === 0x82) into.sanDnsNames.push(name.content.toString('ascii'));
    else if (name.tag === 0x86) into.sanUris.push(name.content.toString('ascii'));
  }
}
