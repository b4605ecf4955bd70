/*
 * The one DER reader (ITU-T X.690 §10), for every structure we parse by hand: PKCS#10 requests,
 * our own certificates read back after signing, imported CA certificates, and the names RFC 8705
 * §2.1.2 matches in a client certificate Node has already parsed. Strict: definite, minimally
 * encoded lengths of at most four octets, single-byte tags, no byte outside the outermost value,
 * minimal INTEGERs and OBJECT IDENTIFIER arcs. Anything else is refused as malformed, so two
 * encodings of one value can never read alike. It never recurses on its own: callers walk only the
 * structure they expect, one level per call, so nesting depth is bounded by their code, and every
 * length is checked against the bytes actually present before anything is sliced.
 */

/** Thrown for input that is not the DER we expect. The message names the structure, never the bytes. */
export class DerError extends Error {
  override readonly name = 'DerError';
}

/** One decoded TLV. `der` is the whole encoding, `content` the value octets; both share memory with the input. */
export interface DerNode {
  readonly tag: number;
  readonly der: Buffer;
  readonly content: Buffer;
}

const MAX_LENGTH_OCTETS = 4;

function readOne(input: Buffer, offset: number): DerNode {
  if (offset + 2 > input.length) throw new DerError('truncated DER value');
  const tag = input[offset] as number;
  if ((tag & 0x1f) === 0x1f) throw new DerError('multi-byte DER tags are not supported');
  let length = input[offset + 1] as number;
  let header = 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0) throw new DerError('indefinite lengths are not DER');
    if (count > MAX_LENGTH_OCTETS) throw new DerError('DER length too large');
    if (offset + 2 + count > input.length) throw new DerError('truncated DER length');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + (input[offset + 2 + i] as number);
    // X.690 §10.1: the shortest form, so each value has exactly one encoding.
    if (length < 0x80 || (input[offset + 2] as number) === 0) throw new DerError('non-minimal DER length');
    header += count;
  }
  const end = offset + header + length;
  if (end > input.length) throw new DerError('truncated DER value');
  return { tag, der: input.subarray(offset, end), content: input.subarray(offset + header, end) };
}

/** Decodes exactly one value that fills `input`; trailing bytes are an error. */
export function readDer(input: Buffer): DerNode {
  const node = readOne(input, 0);
  if (node.der.length !== input.length) throw new DerError('trailing bytes after DER value');
  return node;
}

/** The values inside a constructed node, in order. */
export function children(node: DerNode): DerNode[] {
  if ((node.tag & 0x20) === 0) throw new DerError('expected a constructed DER value');
  const out: DerNode[] = [];
  for (let offset = 0; offset < node.content.length; ) {
    const child = readOne(node.content, offset);
    out.push(child);
    offset += child.der.length;
  }
  return out;
}

/** The children of a node that must carry `tag`, checked. */
export function expectChildren(node: DerNode | undefined, tag: number, what: string): DerNode[] {
  return children(expect(node, tag, what));
}

/** `node`, checked to exist and to carry `tag`. */
export function expect(node: DerNode | undefined, tag: number, what: string): DerNode {
  if (node === undefined || node.tag !== tag) throw new DerError(`expected ${what}`);
  return node;
}

/** Dotted decimal of an OBJECT IDENTIFIER node (X.690 §8.19). */
export function readOid(node: DerNode | undefined): string {
  const content = expect(node, 0x06, 'an OBJECT IDENTIFIER').content;
  if (content.length === 0 || content.length > 64) throw new DerError('bad OBJECT IDENTIFIER');
  const arcs: number[] = [];
  let value = 0;
  for (let i = 0; i < content.length; i++) {
    const byte = content[i] as number;
    if (value === 0 && byte === 0x80) throw new DerError('non-minimal OBJECT IDENTIFIER arc');
    value = value * 128 + (byte & 0x7f);
    if (value > Number.MAX_SAFE_INTEGER / 128) throw new DerError('OBJECT IDENTIFIER arc too large');
    if ((byte & 0x80) === 0) {
      if (arcs.length === 0) arcs.push(value < 80 ? Math.floor(value / 40) : 2, value < 80 ? value % 40 : value - 80);
      else arcs.push(value);
      value = 0;
    } else if (i === content.length - 1) throw new DerError('truncated OBJECT IDENTIFIER');
  }
  return arcs.join('.');
}

/** The magnitude of a non-negative INTEGER, without a sign octet. */
export function readUnsignedInteger(node: DerNode | undefined): Buffer {
  const content = expect(node, 0x02, 'an INTEGER').content;
  if (content.length === 0) throw new DerError('empty INTEGER');
  if ((content[0] as number) & 0x80) throw new DerError('negative INTEGER');
  if (content.length > 1 && content[0] === 0 && ((content[1] as number) & 0x80) === 0) throw new DerError('non-minimal INTEGER');
  return content[0] === 0 && content.length > 1 ? content.subarray(1) : content;
}

/**
 * The text of a directory string (RFC 5280 §4.1.2.4), or undefined for another type (which
 * RFC 4514 §2.4 renders as `#hex`, compared byte for byte).
 */
export function readDirectoryString(node: DerNode): string | undefined {
  switch (node.tag) {
    case 0x0c: // UTF8String
      return new TextDecoder('utf-8', { fatal: true }).decode(node.content);
    case 0x13: // PrintableString
    case 0x16: // IA5String
    case 0x12: // NumericString
      return node.content.toString('ascii');
    case 0x14: // TeletexString: treated as Latin-1, as every mainstream toolkit does
      return node.content.toString('latin1');
    case 0x1e: // BMPString: UTF-16BE
      return Buffer.from(node.content).swap16().toString('utf16le');
    default:
      return undefined;
  }
}

/** The octets of a BIT STRING that has no unused bits (keys and signatures). */
export function readBitStringBytes(node: DerNode | undefined): Buffer {
  const content = expect(node, 0x03, 'a BIT STRING').content;
  if (content.length === 0 || content[0] !== 0) throw new DerError('BIT STRING with unused bits');
  return content.subarray(1);
}

/** The one PEM block labelled `label` (RFC 7468), decoded; surrounding text is not allowed. */
export function fromPem(text: string, label: string): Buffer {
  const match = new RegExp(`^\\s*-----BEGIN ${label}-----\\r?\\n([A-Za-z0-9+/=\\r\\n]+)-----END ${label}-----\\s*$`).exec(text);
  if (match === null) throw new DerError(`expected one PEM block labelled ${label}`);
  return strictBase64((match[1] as string).replace(/\r?\n/g, ''));
}

/** Every PEM block labelled `label`, in order (a certificate chain). */
export function allFromPem(text: string, label: string): Buffer[] {
  const out: Buffer[] = [];
  for (const match of text.matchAll(new RegExp(`-----BEGIN ${label}-----\\r?\\n([A-Za-z0-9+/=\\r\\n]+)-----END ${label}-----`, 'g'))) {
    out.push(strictBase64((match[1] as string).replace(/\r?\n/g, '')));
  }
  return out;
}

/** Base64 (RFC 4648 §4) that decodes and re-encodes to itself: Buffer.from silently skips junk. */
export function strictBase64(text: string): Buffer {
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length === 0 || bytes.toString('base64') !== text) throw new DerError('invalid base64');
  return bytes;
}
