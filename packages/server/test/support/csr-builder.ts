import { sign, type KeyObject } from 'node:crypto';

/**
 * A PKCS#10 request (RFC 2986 §4) built byte by byte, for tests that must control every octet:
 * hostile lengths, mutated signatures, any URI SAN. Independent of the server's own DER writer,
 * so a bug there cannot hide one in the reader.
 */

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

export const tlv = (tag: number, content: Buffer): Buffer => Buffer.concat([Buffer.from([tag]), length(content.length), content]);
export const sequence = (...parts: Buffer[]): Buffer => tlv(0x30, Buffer.concat(parts));
const set = (...parts: Buffer[]): Buffer => tlv(0x31, Buffer.concat(parts));

export function oid(dotted: string): Buffer {
  const [a, b, ...rest] = dotted.split('.').map(Number) as [number, number, ...number[]];
  const bytes = [a * 40 + b];
  for (const arc of rest) {
    const chunk = [arc & 0x7f];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift((v & 0x7f) | 0x80);
    bytes.push(...chunk);
  }
  return tlv(0x06, Buffer.from(bytes));
}

export const OIDS = {
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  ed25519: '1.3.101.112',
  extensionRequest: '1.2.840.113549.1.9.14',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
} as const;

export interface CsrParts {
  /** CertificationRequestInfo, the signed part. */
  info: Buffer;
  /** The signatureAlgorithm AlgorithmIdentifier. */
  algorithm: Buffer;
  /** The signature octets (DER ECDSA-Sig-Value for ECDSA, R || S for Ed25519). */
  signature: Buffer;
}

/** The CertificationRequest from its parts, with the signature wrapped in a BIT STRING. */
export const assemble = (parts: CsrParts): Buffer => sequence(parts.info, parts.algorithm, tlv(0x03, Buffer.concat([Buffer.from([0]), parts.signature])));

/**
 * A CSR for `key` (EC P-256 signs ecdsa-with-SHA256; Ed25519 signs as itself), with an empty
 * subject and, when given, an extensionRequest holding these URI SANs (and basicConstraints cA).
 */
export function buildCsr(privateKey: KeyObject, publicKey: KeyObject, options: { uris?: readonly (string | Buffer)[]; ca?: boolean } = {}): CsrParts {
  const spki = publicKey.export({ format: 'der', type: 'spki' });
  const extensions: Buffer[] = [];
  if (options.uris !== undefined) {
    const names = options.uris.map((uri) => tlv(0x86, Buffer.isBuffer(uri) ? uri : Buffer.from(uri, 'latin1')));
    extensions.push(sequence(oid(OIDS.subjectAltName), tlv(0x04, sequence(...names))));
  }
  if (options.ca === true) extensions.push(sequence(oid(OIDS.basicConstraints), tlv(0x01, Buffer.from([0xff])), tlv(0x04, sequence(tlv(0x01, Buffer.from([0xff]))))));
  const attributes = extensions.length === 0 ? Buffer.alloc(0) : sequence(oid(OIDS.extensionRequest), set(sequence(...extensions)));
  const info = sequence(tlv(0x02, Buffer.from([0])), sequence(), spki, tlv(0xa0, attributes));
  const ed25519 = publicKey.asymmetricKeyType === 'ed25519';
  const algorithm = sequence(oid(ed25519 ? OIDS.ed25519 : OIDS.ecdsaWithSha256));
  const signature = sign(ed25519 ? null : 'sha256', info, privateKey);
  return { info, algorithm, signature };
}

/** RFC 7468 textual encoding: 64-character lines, LF line endings. */
export function pem(der: Buffer, label = 'CERTIFICATE REQUEST'): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** Offsets of every TLV header in `der`, walking constructed values (and BIT/OCTET STRINGs that hold DER). */
export function tlvOffsets(der: Buffer): number[] {
  const out: number[] = [];
  const walk = (start: number, end: number) => {
    for (let at = start; at + 2 <= end; ) {
      const tag = der[at] as number;
      let len = der[at + 1] as number;
      let header = 2;
      if (len & 0x80) {
        const count = len & 0x7f;
        len = 0;
        for (let i = 0; i < count; i++) len = len * 256 + (der[at + 2 + i] as number);
        header += count;
      }
      out.push(at);
      if (tag & 0x20) walk(at + header, at + header + len);
      at += header + len;
    }
  };
  walk(0, der.length);
  return out;
}
