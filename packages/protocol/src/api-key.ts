/**
 * The managed API key format (docs/migration.md, "The key format"): `aak_`, a body of 43 base62
 * characters (256 random bits), and a 6-character base62 CRC32 of prefix and body. The fixed
 * prefix lets secret scanners find a key; the checksum lets them, and the server, tell a real key
 * from a typo or a truncation offline, before any database lookup. The checksum is not a MAC: it
 * proves nothing about who made the key, only that it was copied whole.
 */

/** Fixed prefix of every managed API key. */
export const API_KEY_PREFIX = 'aak_';
/** Base62 characters of the random body: 62^43 > 2^256. */
export const API_KEY_BODY_LENGTH = 43;
/** Base62 characters of the CRC32 checksum: 62^6 > 2^32. */
export const API_KEY_CHECKSUM_LENGTH = 6;
/** Length of every well-formed key. */
export const API_KEY_LENGTH = API_KEY_PREFIX.length + API_KEY_BODY_LENGTH + API_KEY_CHECKSUM_LENGTH;
/** A key anywhere in text (for scanners): prefix, 49 base62 characters, not inside a longer word. */
export const API_KEY_SEARCH_PATTERN = /(?<![A-Za-z0-9_])aak_[0-9A-Za-z]{49}(?![A-Za-z0-9_])/g;

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const SHAPE = /^aak_[0-9A-Za-z]{49}$/;

let crcTable: Uint32Array | undefined;

/** CRC-32 (ISO-HDLC, as zlib and GitHub's token checksums) of an ASCII string. */
export function crc32(text: string): number {
  const table = (crcTable ??= makeTable());
  let crc = 0xffffffff;
  for (let i = 0; i < text.length; i++) crc = (table[(crc ^ text.charCodeAt(i)) & 0xff] as number) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function makeTable(): Uint32Array {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
}

function base62(value: bigint, width: number): string {
  let out = '';
  let rest = value;
  for (let i = 0; i < width; i++) {
    out = BASE62[Number(rest % 62n)] + out;
    rest /= 62n;
  }
  return out;
}

/** The checksum characters for a prefix and body. */
function checksumOf(prefixAndBody: string): string {
  return base62(BigInt(crc32(prefixAndBody)), API_KEY_CHECKSUM_LENGTH);
}

/**
 * Builds a key from 32 random bytes. Throws `TypeError` for any other length: the body must carry
 * 256 bits, and a caller passing fewer is a programmer's mistake.
 */
export function formatApiKey(randomBytes: Uint8Array): string {
  if (randomBytes.length !== 32) throw new TypeError('formatApiKey: exactly 32 random bytes are required');
  let value = 0n;
  for (const byte of randomBytes) value = (value << 8n) | BigInt(byte);
  const head = API_KEY_PREFIX + base62(value, API_KEY_BODY_LENGTH);
  return head + checksumOf(head);
}

/** Why a presented string is not a managed key; checked without any lookup. */
export type ApiKeyFormatFault = 'malformed' | 'checksum';

/**
 * Checks a presented string's shape and checksum, in time bounded by the key's fixed length (a
 * longer string is refused before it is read). Answers undefined for a well-formed key. What it
 * does NOT check: that the key was issued, is live, or belongs to anyone.
 */
export function apiKeyFormatFault(presented: unknown): ApiKeyFormatFault | undefined {
  if (typeof presented !== 'string' || presented.length !== API_KEY_LENGTH || !SHAPE.test(presented)) return 'malformed';
  const split = API_KEY_LENGTH - API_KEY_CHECKSUM_LENGTH;
  return checksumOf(presented.slice(0, split)) === presented.slice(split) ? undefined : 'checksum';
}

/**
 * RFC 8693 §3 token type URI of a managed API key presented as a `subject_token`
 * (docs/migration.md, "Keys become tokens"). A URN in our own namespace: RFC 8693 §3 allows token
 * type identifiers beyond those it registers.
 */
export const TOKEN_TYPE_API_KEY = 'urn:agentauth:params:oauth:token-type:api-key';
