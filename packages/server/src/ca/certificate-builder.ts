import { createHash } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';
import {
  bitString,
  booleanTrue,
  contextConstructed,
  contextPrimitive,
  octetString,
  oid,
  sequence,
  setOf,
  smallInteger,
  time,
  tlv,
  unsignedInteger,
  utf8String,
} from '../der/der-writer.js';
import { OID } from './oids.js';
import type { CaSigner } from './signature-algorithms.js';

/*
 * X.509 v3 certificate encoding (RFC 5280 §4.1) from parts. Extensions are pre-encodable, so a
 * template pays only for what changes per certificate.
 */

/** `[0] EXPLICIT INTEGER 2`: every certificate we make is v3 (RFC 5280 §4.1.2.1). */
export const VERSION_3: Buffer = contextConstructed(0, smallInteger(2));

/** One Extension (RFC 5280 §4.1): `critical` is omitted when false (DER default). */
export function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return critical ? sequence(oid(id), booleanTrue, octetString(value)) : sequence(oid(id), octetString(value));
}

/** A distinguished name of one attribute per RDN, as UTF8String (RFC 5280 §4.1.2.4, §4.1.2.6). */
export function distinguishedName(attributes: readonly (readonly [string, string])[]): Buffer {
  return sequence(...attributes.map(([type, value]) => setOf([sequence(oid(type), utf8String(value))])));
}

/** The empty Name: SVIDs carry their identity in the URI SAN alone (SPIFFE X509-SVID §2). */
export const EMPTY_NAME: Buffer = sequence();

/** RFC 5280 §4.2.1.2 method (1): SHA-1 of the subjectPublicKey BIT STRING value. */
export function keyIdentifier(keyBits: Buffer): Buffer {
  return createHash('sha1').update(keyBits).digest();
}

export const subjectKeyIdentifier = (keyId: Buffer): Buffer => extension(OID.subjectKeyIdentifier, false, octetString(keyId));
export const authorityKeyIdentifier = (keyId: Buffer): Buffer => extension(OID.authorityKeyIdentifier, false, sequence(contextPrimitive(0, keyId)));

/** basicConstraints (RFC 5280 §4.2.1.9), always critical: `cA=false` encodes as an empty SEQUENCE. */
export function basicConstraints(ca: boolean, pathLength?: number): Buffer {
  const members = ca ? [booleanTrue, ...(pathLength === undefined ? [] : [smallInteger(pathLength)])] : [];
  return extension(OID.basicConstraints, true, sequence(...members));
}

/** keyUsage bits (RFC 5280 §4.2.1.3) we use; always critical. */
export const KEY_USAGE = {
  /** digitalSignature (bit 0) only. */
  digitalSignature: extension(OID.keyUsage, true, Buffer.from([0x03, 0x02, 0x07, 0x80])),
  /** keyCertSign (bit 5) and cRLSign (bit 6). */
  certAndCrlSign: extension(OID.keyUsage, true, Buffer.from([0x03, 0x02, 0x01, 0x06])),
} as const;

/** extKeyUsage (RFC 5280 §4.2.1.12), not critical. */
export const extendedKeyUsage = (purposes: readonly string[]): Buffer => extension(OID.extKeyUsage, false, sequence(...purposes.map(oid)));

/** subjectAltName with URIs, DNS names and IP addresses; critical when the subject is empty (§4.2.1.6). */
export function subjectAltName(names: { uris?: readonly string[]; dns?: readonly string[]; ips?: readonly string[] }, critical: boolean): Buffer {
  const general = [
    ...(names.dns ?? []).map((name) => contextPrimitive(2, Buffer.from(name, 'latin1'))),
    ...(names.uris ?? []).map((uri) => contextPrimitive(6, Buffer.from(uri, 'latin1'))),
    ...(names.ips ?? []).map((ip) => contextPrimitive(7, ipBytes(ip))),
  ];
  return extension(OID.subjectAltName, critical, sequence(...general));
}

function ipBytes(ip: string): Buffer {
  if (isIPv4(ip)) return Buffer.from(ip.split('.').map(Number));
  if (!isIPv6(ip)) throw new TypeError(`not an IP address: ${ip}`);
  const [head = '', tail = ''] = ip.split('::');
  const groups = (part: string) => (part === '' ? [] : part.split(':'));
  const left = groups(head);
  const right = ip.includes('::') ? groups(tail) : [];
  const words = [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  const out = Buffer.alloc(16);
  words.forEach((word, i) => out.writeUInt16BE(parseInt(word, 16), i * 2));
  return out;
}

/** cRLDistributionPoints with one full-name URI (RFC 5280 §4.2.1.13). */
export function crlDistributionPoint(url: string): Buffer {
  return extension(OID.crlDistributionPoints, false, sequence(sequence(contextConstructed(0, contextConstructed(0, tlv(0x86, Buffer.from(url, 'latin1')))))));
}

/** The parts of a TBSCertificate (RFC 5280 §4.1.2); `extensions` are already-encoded Extensions. */
export interface CertificateParts {
  /** Unsigned big-endian serial number (RFC 5280 §4.1.2.2: positive, at most 20 octets). */
  serial: Buffer;
  issuer: Buffer;
  subject: Buffer;
  notBefore: number;
  notAfter: number;
  spki: Buffer;
  extensions: readonly Buffer[];
}

/** Encodes the TBSCertificate, signs it with `signer` and returns the Certificate DER. */
export function buildCertificate(parts: CertificateParts, signer: CaSigner): Buffer {
  const tbs = sequence(
    VERSION_3,
    unsignedInteger(parts.serial),
    signer.algorithm,
    parts.issuer,
    sequence(time(parts.notBefore), time(parts.notAfter)),
    parts.subject,
    parts.spki,
    contextConstructed(3, sequence(...parts.extensions)),
  );
  return sequence(tbs, signer.algorithm, bitString(signer.sign(tbs)));
}

/**
 * A random serial of 128 bits (RFC 5280 §4.1.2.2; CA/B BR §7.1 asks for 64 bits of entropy), from
 * the injected randomness, with the top bit cleared so it encodes in 16 octets and stays positive.
 */
export function randomSerial(random: { token(bytes: number): string }): Buffer {
  const bytes = Buffer.from(random.token(16), 'base64url');
  if (bytes.length !== 16) throw new TypeError('random.token(16) must give 16 bytes');
  bytes[0] = (bytes[0] as number) & 0x7f || 0x01;
  return bytes;
}

/** The canonical text form of a serial: lowercase hex of its magnitude, no leading zero octets. */
export function serialHex(serial: Buffer): string {
  let start = 0;
  while (start < serial.length - 1 && serial[start] === 0) start++;
  return serial.subarray(start).toString('hex');
}

/** Reads a serial as people write it (`AB:CD:..`, `0xabcd`, mixed case); undefined when it is not one. */
export function normalizeSerial(text: string): string | undefined {
  const hex = text.trim().toLowerCase().replace(/^0x/, '').replaceAll(':', '');
  if (!/^[0-9a-f]{1,40}$/.test(hex)) return undefined;
  const even = hex.length % 2 === 1 ? `0${hex}` : hex;
  return serialHex(Buffer.from(even, 'hex'));
}

