/**
 * A minimal, bounds-checked DER reader (ITU-T X.690 §8, §10): just enough to read the subject
 * name and subjectAltName of a certificate that `node:crypto` has already parsed and accepted.
 * Node exposes neither as structured data (its `subject` and `subjectAltName` are display
 * strings), and RFC 8705 §2.1.2 matching must be exact.
 */

/** One TLV: its tag byte, its value bytes, and the whole encoding. */
export interface DerElement {
  tag: number;
  value: Uint8Array;
  /** Tag, length and value together (for `#hex` attribute values, RFC 4514 §2.4). */
  encoded: Uint8Array;
}

/** Thrown for bytes that are not DER; callers turn it into a refusal, never a crash. */
export class DerError extends Error {}

const MAX_LENGTH_OCTETS = 4;

/** Reads the TLV at `offset`; returns it and the offset just past it. */
export function readElement(bytes: Uint8Array, offset: number): { element: DerElement; next: number } {
  if (offset + 2 > bytes.length) throw new DerError('truncated');
  const tag = bytes[offset] as number;
  // High-tag-number form (tag & 0x1f === 0x1f) never occurs in the structures we read.
  if ((tag & 0x1f) === 0x1f) throw new DerError('high tag number');
  let length = bytes[offset + 1] as number;
  let start = offset + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > MAX_LENGTH_OCTETS || start + count > bytes.length) throw new DerError('bad length');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + (bytes[start + i] as number);
    start += count;
  }
  const end = start + length;
  if (end > bytes.length) throw new DerError('truncated');
  return { element: { tag, value: bytes.subarray(start, end), encoded: bytes.subarray(offset, end) }, next: end };
}

/** The children of a constructed element, in order. */
export function children(element: DerElement): DerElement[] {
  const out: DerElement[] = [];
  let offset = 0;
  while (offset < element.value.length) {
    const { element: child, next } = readElement(element.value, offset);
    out.push(child);
    offset = next;
  }
  return out;
}

/** X.690 §8.19: an OBJECT IDENTIFIER in dotted form. */
export function decodeOid(value: Uint8Array): string {
  if (value.length === 0) throw new DerError('empty OID');
  const first = value[0] as number;
  const parts = [Math.min(2, Math.floor(first / 40)), first - Math.min(2, Math.floor(first / 40)) * 40];
  let n = 0;
  for (let i = 1; i < value.length; i++) {
    const byte = value[i] as number;
    n = n * 128 + (byte & 0x7f);
    if (n > Number.MAX_SAFE_INTEGER / 128) throw new DerError('OID arc too large');
    if ((byte & 0x80) === 0) {
      parts.push(n);
      n = 0;
    }
  }
  return parts.join('.');
}

/**
 * The string value of a directory string (RFC 5280 §4.1.2.4), or undefined for another type
 * (which RFC 4514 §2.4 renders as `#hex` and we compare byte for byte).
 */
export function decodeDirectoryString(element: DerElement): string | undefined {
  switch (element.tag) {
    case 0x0c: // UTF8String
      return new TextDecoder('utf-8', { fatal: true }).decode(element.value);
    case 0x13: // PrintableString
    case 0x16: // IA5String
    case 0x12: // NumericString
      return Buffer.from(element.value).toString('ascii');
    case 0x14: // TeletexString: treated as Latin-1, as every mainstream toolkit does
      return Buffer.from(element.value).toString('latin1');
    case 0x1e: // BMPString: UTF-16BE
      return Buffer.from(element.value).swap16().toString('utf16le');
    default:
      return undefined;
  }
}
