import fc from 'fast-check';

/**
 * Building blocks for hostile JWS/JWT inputs, shared by the server's and the SDKs' property tests:
 * segments of any bytes (so JSON, UTF-8 and base64url can each be broken on its own), and the
 * JSON texts RFC 8259 and RFC 7515 §5.2 leave parsers to get wrong.
 */

export const b64url = (bytes: Uint8Array | string): string => Buffer.from(typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes).toString('base64url');

/** `header.payload`, each segment given as text (UTF-8) or as raw bytes. */
export function signingInput(header: Uint8Array | string, payload: Uint8Array | string): string {
  return `${b64url(header)}.${b64url(payload)}`;
}

/** A compact JWS over any header and payload bytes, ES256 (R || S, RFC 7518 §3.4) with a WebCrypto key. */
export async function signEs256Bytes(header: Uint8Array | string, payload: Uint8Array | string, privateKey: CryptoKey): Promise<string> {
  const input = signingInput(header, payload);
  const signature = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, privateKey, new TextEncoder().encode(input));
  return `${input}.${Buffer.from(signature).toString('base64url')}`;
}

/** A compact JWS over any header and payload bytes, EdDSA (Ed25519, RFC 8037 §3.1) with a WebCrypto key. */
export async function signEd25519Bytes(header: Uint8Array | string, payload: Uint8Array | string, privateKey: CryptoKey): Promise<string> {
  const input = signingInput(header, payload);
  const signature = await crypto.subtle.sign('Ed25519', privateKey, new TextEncoder().encode(input));
  return `${input}.${Buffer.from(signature).toString('base64url')}`;
}

/**
 * Byte sequences that are not UTF-8 (RFC 3629 §3-4): a BOM-like pair of invalid bytes, a lone
 * continuation byte, an overlong `/`, a UTF-16 surrogate, a code point past U+10FFFF, a truncated
 * sequence. RFC 7515 §5.2 steps 3 and 8 (and RFC 7519 §7.2 step 10) ask that the decoded header and
 * payload be UTF-8; a lenient decoder turns each of these into U+FFFD and accepts it.
 */
export const INVALID_UTF8: readonly (readonly number[])[] = [
  [0xff, 0xfe],
  [0x80],
  [0xc0, 0xaf],
  [0xed, 0xa0, 0x80],
  [0xf4, 0x90, 0x80, 0x80],
  [0xe2, 0x82],
];

/**
 * The JSON text of `object` with the string value of member `name` carrying `bytes` in the middle:
 * `{"name":"ab<bytes>cd", ...}`. The result is bytes, since it is not text.
 */
export function withRawBytesInString(object: Record<string, unknown>, name: string, bytes: readonly number[]): Uint8Array {
  const marker = '\u0000MARK\u0000';
  const text = JSON.stringify({ ...object, [name]: `ab${marker}cd` });
  const [before, after] = text.split(JSON.stringify(marker).slice(1, -1)) as [string, string];
  return Buffer.concat([Buffer.from(before, 'utf8'), Buffer.from(bytes), Buffer.from(after, 'utf8')]);
}

/** JSON text of `object` with `name` appearing twice: first `first`, then (last) `last`. */
export function withDuplicateMember(object: Record<string, unknown>, name: string, first: unknown, last: unknown): string {
  const rest = { ...object };
  delete rest[name];
  const body = JSON.stringify(rest).slice(1, -1);
  return `{${JSON.stringify(name)}:${JSON.stringify(first)}${body === '' ? '' : `,${body}`},${JSON.stringify(name)}:${JSON.stringify(last)}}`;
}

/** JSON text of `object` with member `name` set to raw JSON text (numbers JSON.stringify cannot write, deep nesting). */
export function withRawMember(object: Record<string, unknown>, name: string, rawJson: string): string {
  const rest = { ...object };
  delete rest[name];
  const body = JSON.stringify(rest).slice(1, -1);
  return `{${body === '' ? '' : `${body},`}${JSON.stringify(name)}:${rawJson}}`;
}

/** Numbers JSON can spell but IEEE 754 doubles cannot hold: they parse as ±Infinity or lose all meaning. */
export const NON_FINITE_NUMBERS = ['1e400', '-1e400', '1E309', `1${'0'.repeat(400)}`] as const;

/** Arrays nested `depth` deep, `[[[...]]]`: bounded only by the size limit of the input. */
export const nested = (depth: number): string => `${'['.repeat(depth)}${']'.repeat(depth)}`;

/** A JSON value that is not a string (for claims that must be strings). */
export const notAString = (): fc.Arbitrary<unknown> => fc.jsonValue().filter((v) => typeof v !== 'string');

/** A JSON value that is not a number (for NumericDate claims, RFC 7519 §2). */
export const notANumber = (): fc.Arbitrary<unknown> => fc.jsonValue().filter((v) => typeof v !== 'number');

/**
 * A JSON text of any shape: random bytes, any JSON value (objects, arrays, scalars), and the
 * special cases above (invalid UTF-8 in a string, deep nesting, non-finite numbers).
 */
export const hostileSegment = (): fc.Arbitrary<Uint8Array | string> =>
  fc.oneof(
    fc.uint8Array({ maxLength: 300 }),
    fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
    fc.string({ unit: 'binary', maxLength: 200 }),
    fc.constantFrom(...INVALID_UTF8).map((bytes) => Buffer.concat([Buffer.from('{"a":"'), Buffer.from(bytes), Buffer.from('"}')])),
    fc.integer({ min: 1, max: 2_000 }).map((depth) => `{"a":${nested(depth)}}`),
    fc.constantFrom(...NON_FINITE_NUMBERS).map((n) => `{"exp":${n},"iat":${n}}`),
    fc.constantFrom('', '{', '}', 'null', '[]', '"x"', '{"a":1,}', "{'a':1}", '{"a":NaN}', '{"a":Infinity}', '{"a":1}garbage', '\uFEFF{}'),
  );

/** One claim of a DPoP proof (RFC 9449 §4.2) made wrong: the name, a replacement value, or raw JSON text. */
export type WrongProofClaim = { name: string; value: unknown; raw: string | undefined };

/**
 * `jti`, `htm` or `htu` not a string or missing, `iat` not a number or missing, or `iat` a number
 * no double holds: each a proof every verifier must refuse.
 */
export const wrongProofClaim = (): fc.Arbitrary<WrongProofClaim> =>
  fc.oneof(
    fc.record({ name: fc.constantFrom('jti', 'htm', 'htu'), value: fc.option(notAString(), { nil: undefined }), raw: fc.constant(undefined) }),
    fc.record({ name: fc.constant('iat'), value: fc.option(notANumber(), { nil: undefined }), raw: fc.constant(undefined) }),
    fc.record({ name: fc.constant('iat'), value: fc.constant(undefined), raw: fc.constantFrom(...NON_FINITE_NUMBERS) }),
  );

/** The JSON text of `claims` with the claim `wrong` names replaced, spelt raw, or left out. */
export function withWrongClaim(claims: Record<string, unknown>, { name, value, raw }: WrongProofClaim): string {
  if (raw !== undefined) return withRawMember(claims, name, raw);
  const changed = { ...claims };
  if (value === undefined) delete changed[name];
  else changed[name] = value;
  return JSON.stringify(changed);
}
