import { X509Certificate } from 'node:crypto';
import { children, expect, readBitStringBytes, readOid, readUnsignedInteger } from '../der/der-reader.js';
import { extensionsOf, tbsMembers, type CaCertificate } from './ca-certificate.js';
import { keyIdentifier } from './certificate-builder.js';
import type { LeafRequest } from './leaf-template.js';
import { OID } from './oids.js';

/** Longest leaf lifetime we ever sign (24 hours), plus backdating. */
export const MAX_LEAF_LIFETIME_MS = 24 * 3600 * 1000 + 5 * 60 * 1000;

/** A certificate we signed does not say what we meant it to say: a bug, never returned to anyone. */
export class IssuedCertificateInvalidError extends Error {
  override readonly name = 'IssuedCertificateInvalidError';
}

function fail(what: string): never {
  throw new IssuedCertificateInvalidError(`issued certificate failed validation: ${what}`);
}

/**
 * Reads back a leaf we just signed, with the DER reader rather than the writer that made it, and
 * checks it against what was meant (what we issue is checked before it leaves, as SPIRE validates
 * what it signed): the signature verifies with the issuing CA's public key; issuer, serial, key and
 * validity are the requested ones, within the CA's own validity; and the extensions are exactly the
 * X509-SVID profile (SPIFFE X509-SVID §4): one critical SAN holding exactly the intended names,
 * cA=false (critical), keyUsage digitalSignature only (critical), the intended extKeyUsage, AKI =
 * the CA's key id, SKI = the key's id, one CRL distribution point. Costs about a fifth of an
 * `X509Certificate` parse and verify, which is what lets issuance reach thousands per second on one
 * core; the slower, fully independent {@link checkLeafWithX509} is used where speed does not
 * matter.
 *
 * @throws {IssuedCertificateInvalidError}
 */
export function checkLeaf(der: Buffer, ca: CaCertificate, request: LeafRequest, crlUrl: string): void {
  try {
    const { tbs, members, algorithm, signature } = tbsMembers(der);
    if (!ca.verifySignature(algorithm.der, tbs.der, signature)) fail('signature does not verify with the issuing CA key');
    const [version, serial, innerAlgorithm, issuer, validity, subject, spki, extensions, ...rest] = members;
    if (rest.length > 0 || extensions === undefined) fail('unexpected TBSCertificate members');
    if (version?.tag !== 0xa0 || !readUnsignedInteger(children(version)[0]).equals(Buffer.from([2]))) fail('not v3');
    if (!readUnsignedInteger(serial).equals(request.serial)) fail('serial');
    if (!innerAlgorithm?.der.equals(algorithm.der)) fail('signature algorithm mismatch');
    if (!issuer?.der.equals(ca.subject)) fail('issuer is not the CA subject');
    const [notBefore, notAfter] = children(expect(validity, 0x30, 'Validity')).map(readTime);
    if (notBefore !== Math.floor(request.notBefore / 1000) * 1000 || notAfter !== Math.floor(request.notAfter / 1000) * 1000) fail('validity');
    if ((notAfter as number) > ca.notAfter || (notBefore as number) < ca.notBefore) fail('validity outside the CA validity');
    if ((notAfter as number) - (notBefore as number) > MAX_LEAF_LIFETIME_MS) fail('lifetime over 24 hours');
    if (!subject?.der.equals(Buffer.from([0x30, 0]))) fail('subject is not empty');
    if (!spki?.der.equals(request.publicKey.spki)) fail('public key');

    const exts = extensionsOf(members);
    const expected = [OID.basicConstraints, OID.keyUsage, OID.authorityKeyIdentifier, OID.crlDistributionPoints, OID.extKeyUsage, OID.subjectAltName, OID.subjectKeyIdentifier];
    if (exts.size !== expected.length || !expected.every((id) => exts.has(id))) fail('extension set');
    const get = (id: string) => exts.get(id) as { critical: boolean; value: ReturnType<typeof children>[number] };

    const bc = get(OID.basicConstraints);
    if (!bc.critical || children(bc.value).length !== 0) fail('basicConstraints must be critical with cA=false');
    const ku = get(OID.keyUsage);
    if (!ku.critical || !ku.value.der.equals(Buffer.from([0x03, 0x02, 0x07, 0x80]))) fail('keyUsage must be critical digitalSignature only');
    const usages = children(get(OID.extKeyUsage).value).map(readOid);
    const wanted = [...(request.serverAuth ? [OID.serverAuth] : []), ...(request.clientAuth ? [OID.clientAuth] : [])];
    if (usages.length !== wanted.length || !wanted.every((usage) => usages.includes(usage))) fail('extKeyUsage');

    const san = get(OID.subjectAltName);
    if (!san.critical) fail('SAN must be critical with an empty subject');
    const names = children(san.value);
    const uris = names.filter((n) => n.tag === 0x86).map((n) => n.content.toString('latin1'));
    const dns = names.filter((n) => n.tag === 0x82).map((n) => n.content.toString('latin1'));
    const ips = names.filter((n) => n.tag === 0x87);
    if (uris.length + dns.length + ips.length !== names.length) fail('unexpected SAN name types');
    if (request.spiffeId !== undefined ? uris.length !== 1 || uris[0] !== request.spiffeId : uris.length !== 0) fail('URI SAN');
    if (dns.join(',') !== (request.dnsNames ?? []).join(',') || ips.length !== (request.ipAddresses ?? []).length) fail('DNS/IP SANs');

    const aki = children(get(OID.authorityKeyIdentifier).value);
    if (aki.length !== 1 || aki[0]?.tag !== 0x80 || !aki[0].content.equals(ca.keyId)) fail('authorityKeyIdentifier');
    const ski = expect(get(OID.subjectKeyIdentifier).value, 0x04, 'SKI');
    if (!ski.content.equals(keyIdentifier(readBitStringBytes(children(spki)[1])))) fail('subjectKeyIdentifier');
    const dp = get(OID.crlDistributionPoints).value.content;
    if (!dp.includes(Buffer.from(crlUrl, 'latin1'))) fail('CRL distribution point');
  } catch (error) {
    if (error instanceof IssuedCertificateInvalidError) throw error;
    fail(error instanceof Error ? error.message : 'undecodable');
  }
}

function readTime(node: { tag: number; content: Buffer }): number {
  const text = node.content.toString('latin1');
  const match = node.tag === 0x17 ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text) : /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (match === null) fail('time encoding');
  const [, y, mo, d, h, mi, s] = match.map(Number) as [number, number, number, number, number, number, number];
  const year = node.tag === 0x17 ? (y >= 50 ? 1900 + y : 2000 + y) : y;
  return Date.UTC(year, mo - 1, d, h, mi, s);
}

/**
 * The slow, fully independent check (OpenSSL through node:crypto): the certificate parses, was
 * issued by `ca` and verifies with its key, and its validity lies within the CA's. Used for server
 * certificates and CA certificates, where issuance is rare.
 */
export function checkLeafWithX509(der: Buffer, ca: CaCertificate): X509Certificate {
  const certificate = new X509Certificate(der);
  if (!certificate.checkIssued(ca.x509) || !certificate.verify(ca.publicKey)) fail('does not chain to the issuing CA');
  if (Date.parse(certificate.validTo) > ca.notAfter) fail('outlives the issuing CA');
  if (certificate.ca) fail('is a CA certificate');
  return certificate;
}
