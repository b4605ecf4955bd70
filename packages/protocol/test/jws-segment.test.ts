import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeBase64url, decodeJsonSegment } from '../src/index.js';

const b64 = (bytes: Uint8Array | string) => Buffer.from(bytes).toString('base64url');

describe('decodeBase64url (RFC 4648 §5, unpadded, canonical)', () => {
  it('decodes what Node encodes, for any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        expect(decodeBase64url(b64(bytes))).toEqual(bytes);
      }),
    );
  });

  it.each([
    ['padding', 'YQ=='],
    ['the standard alphabet', 'a+b/'],
    ['a lone last character', 'YWJjZ'],
    ['non-zero pad bits (another spelling of "a")', 'YR'],
    ['a space', 'YW Jj'],
    ['a non-ASCII character', 'YWJ\u00e9'],
  ])('refuses %s', (_name, text) => {
    expect(decodeBase64url(text)).toBeUndefined();
  });
});

describe('decodeJsonSegment (RFC 7515 §5.2, RFC 8259 §8.1)', () => {
  it('returns the JSON object', () => {
    expect(decodeJsonSegment(b64('{"alg":"ES256","typ":"dpop+jwt"}'))).toEqual({ alg: 'ES256', typ: 'dpop+jwt' });
  });

  it('refuses invalid UTF-8 instead of reading it as U+FFFD: two byte strings never become one value', () => {
    const prefix = new TextEncoder().encode('{"jti":"a');
    const suffix = new TextEncoder().encode('"}');
    for (const bytes of [[0xff, 0xfe], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0x80], [0xf8, 0x88, 0x80, 0x80, 0x80]]) {
      expect(decodeJsonSegment(b64(Uint8Array.from([...prefix, ...bytes, ...suffix])))).toBeUndefined();
    }
  });

  it('refuses a byte order mark, and JSON that is not an object', () => {
    expect(decodeJsonSegment(b64('\ufeff{"a":1}'))).toBeUndefined();
    for (const text of ['[1]', '"text"', '1', 'null', '{', '']) expect(decodeJsonSegment(b64(text))).toBeUndefined();
  });

  it('keeps the last of duplicate members (RFC 7515 §5.2 allows it)', () => {
    expect(decodeJsonSegment(b64('{"a":1,"a":2}'))).toEqual({ a: 2 });
  });
});
