/*
 * A minimal DER writer (ITU-T X.690 §10): just the encodings our certificates, CRLs and PKCS#7
 * messages use. Every function returns the complete TLV; callers concatenate pre-encoded parts, so
 * the issuance hot path re-encodes only what varies per certificate.
 */

/** Universal and context tags used by X.509 (X.680 §8.4). */
export const TAG = {
  boolean: 0x01,
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  null: 0x05,
  oid: 0x06,
  utf8String: 0x0c,
  printableString: 0x13,
  ia5String: 0x16,
  utcTime: 0x17,
  generalizedTime: 0x18,
  sequence: 0x30,
  set: 0x31,
} as const;

function lengthOctets(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  if (length < 0x100) return Buffer.from([0x81, length]);
  if (length < 0x10000) return Buffer.from([0x82, length >> 8, length & 0xff]);
  if (length < 0x1000000) return Buffer.from([0x83, length >> 16, (length >> 8) & 0xff, length & 0xff]);
  throw new RangeError('DER value too long');
}

/** One TLV with a definite length (X.690 §10.1). */
export function tlv(tag: number, ...contents: readonly Buffer[]): Buffer {
  const body = contents.length === 1 ? (contents[0] as Buffer) : Buffer.concat(contents);
  return Buffer.concat([Buffer.from([tag]), lengthOctets(body.length), body]);
}

export const sequence = (...items: readonly Buffer[]): Buffer => tlv(TAG.sequence, ...items);

/** SET OF in DER order: elements sorted by their encodings (X.690 §11.6). */
export function setOf(items: readonly Buffer[]): Buffer {
  return tlv(TAG.set, ...[...items].sort(Buffer.compare));
}

/** `[n]` EXPLICIT, or IMPLICIT of a constructed type. */
export const contextConstructed = (n: number, ...items: readonly Buffer[]): Buffer => tlv(0xa0 | n, ...items);

/** `[n]` IMPLICIT of a primitive type. */
export const contextPrimitive = (n: number, content: Buffer): Buffer => tlv(0x80 | n, content);

/** INTEGER from unsigned big-endian magnitude bytes, minimally encoded (X.690 §8.3.2). */
export function unsignedInteger(magnitude: Buffer): Buffer {
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++;
  const trimmed = magnitude.subarray(start);
  return (trimmed[0] as number) & 0x80 ? tlv(TAG.integer, Buffer.from([0]), trimmed) : tlv(TAG.integer, trimmed);
}

/** INTEGER of a small non-negative number. */
export function smallInteger(value: number): Buffer {
  if (!Number.isSafeInteger(value) || value < 0) throw new TypeError('value must be a non-negative safe integer');
  const bytes: number[] = [];
  let rest = value;
  do {
    bytes.unshift(rest % 256);
    rest = Math.floor(rest / 256);
  } while (rest > 0);
  return unsignedInteger(Buffer.from(bytes));
}

/** OBJECT IDENTIFIER from dotted decimal (X.690 §8.19). */
export function oid(dotted: string): Buffer {
  const arcs = dotted.split('.').map((arc) => {
    if (!/^(0|[1-9][0-9]*)$/.test(arc)) throw new TypeError(`bad OID ${dotted}`);
    return Number(arc);
  });
  if (arcs.length < 2) throw new TypeError(`bad OID ${dotted}`);
  const out: number[] = [];
  const push = (value: number) => {
    const chunk = [value & 0x7f];
    for (let rest = Math.floor(value / 128); rest > 0; rest = Math.floor(rest / 128)) chunk.unshift((rest & 0x7f) | 0x80);
    out.push(...chunk);
  };
  push((arcs[0] as number) * 40 + (arcs[1] as number));
  for (const arc of arcs.slice(2)) push(arc);
  return tlv(TAG.oid, Buffer.from(out));
}

export const octetString = (content: Buffer): Buffer => tlv(TAG.octetString, content);

/** BIT STRING with no unused bits (keys, signatures). */
export const bitString = (content: Buffer): Buffer => tlv(TAG.bitString, Buffer.from([0]), content);

export const booleanTrue: Buffer = Buffer.from([TAG.boolean, 1, 0xff]);
export const derNull: Buffer = Buffer.from([TAG.null, 0]);

export const utf8String = (value: string): Buffer => tlv(TAG.utf8String, Buffer.from(value, 'utf8'));
export const ia5String = (value: string): Buffer => tlv(TAG.ia5String, Buffer.from(value, 'latin1'));

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/**
 * RFC 5280 §4.1.2.5 Time: UTCTime through 2049, GeneralizedTime from 2050, always in Zulu and to
 * the second (fractions are not allowed).
 */
export function time(ms: number): Buffer {
  const d = new Date(Math.floor(ms / 1000) * 1000);
  const year = d.getUTCFullYear();
  const rest = `${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}Z`;
  if (year >= 1950 && year < 2050) return tlv(TAG.utcTime, Buffer.from(`${pad(year % 100)}${rest}`, 'latin1'));
  return tlv(TAG.generalizedTime, Buffer.from(`${pad(year, 4)}${rest}`, 'latin1'));
}

/** PEM (RFC 7468 §2) with 64-character lines. */
export function pem(label: string, der: Buffer): string {
  const body = der.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`;
}
