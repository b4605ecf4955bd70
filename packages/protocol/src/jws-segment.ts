/** The base64url alphabet (RFC 4648 §5), without padding (RFC 7515 §2). */
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const VALUES = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) VALUES[ALPHABET.charCodeAt(i)] = i;

/** Fatal: a byte sequence that is not UTF-8 is an error, never U+FFFD. ignoreBOM keeps a BOM, which JSON then refuses. */
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * The bytes of an unpadded base64url string, or undefined when it is not one in its one canonical
 * spelling: only the RFC 4648 §5 alphabet, no padding, no length that leaves a lone character, and
 * zero pad bits (RFC 4648 §3.5), so two different strings never decode to the same bytes.
 */
export function decodeBase64url(text: string): Uint8Array<ArrayBuffer> | undefined {
  const remainder = text.length % 4;
  if (remainder === 1) return undefined;
  const out = new Uint8Array(Math.floor((text.length * 3) / 4));
  let bits = 0;
  let buffer = 0;
  let at = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const value = code < 128 ? (VALUES[code] as number) : -1;
    if (value < 0) return undefined;
    buffer = (buffer << 6) | value;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[at++] = (buffer >> bits) & 0xff;
    }
  }
  // Leftover bits (2 or 4) must be zero: anything else is another spelling of the same bytes.
  if ((buffer & ((1 << bits) - 1)) !== 0) return undefined;
  return out;
}

/**
 * The JSON object a compact JWS segment (protected header or JWT claims set) holds, decoded
 * strictly, or undefined when it is not one: canonical base64url ({@link decodeBase64url}), UTF-8
 * decoded fatally (RFC 7515 §5.2 steps 3 and 8 and RFC 7519 §7.2 ask for UTF-8, and RFC 8259 §8.1
 * for JSON text: invalid bytes turned into U+FFFD would let different bytes read as one `jti`),
 * and a JSON object. Duplicate members keep the last one, as RFC 7515 §5.2 allows.
 *
 * Does NOT check any member: callers apply their header and claim rules.
 */
export function decodeJsonSegment(segment: string): Record<string, unknown> | undefined {
  const bytes = decodeBase64url(segment);
  if (bytes === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(UTF8.decode(bytes));
  } catch {
    return undefined;
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
