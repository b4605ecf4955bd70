import { describe, expect, it } from 'vitest';
import { createCryptoRandom } from '../../src/random.js';
import { newTokenId } from '../../src/tokens/token-id.js';

describe('newTokenId', () => {
  const random = createCryptoRandom();

  it('is nine base-36 time digits and 128 random bits, in the JWT-safe alphabet', () => {
    const id = newTokenId(Date.UTC(2026, 10, 28), random);
    expect(id).toMatch(/^[0-9a-z]{9}[A-Za-z0-9_-]{22}$/);
    expect(parseInt(id.slice(0, 9), 36)).toBe(Date.UTC(2026, 10, 28));
  });

  it('sorts by issue time as a plain string (what the jti indexes see)', () => {
    const times = [0, 1, 35, 36, 1_000, Date.UTC(2001, 0, 1), Date.UTC(2026, 10, 28), Date.UTC(2026, 10, 28) + 1, Date.UTC(5000, 0, 1), 36 ** 9 - 1];
    const ids = times.map((t) => newTokenId(t, random));
    expect([...ids].sort()).toEqual(ids);
  });

  it('never repeats within one millisecond', () => {
    const ids = new Set(Array.from({ length: 10_000 }, () => newTokenId(1_800_000_000_000, random)));
    expect(ids.size).toBe(10_000);
  });

  it('refuses a time it cannot encode', () => {
    expect(() => newTokenId(-1, random)).toThrow(RangeError);
    expect(() => newTokenId(1.5, random)).toThrow(RangeError);
    // Ten digits would no longer sort below nine-digit ids.
    expect(() => newTokenId(36 ** 9, random)).toThrow(RangeError);
    expect(newTokenId(36 ** 9 - 1, random).slice(0, 9)).toBe('zzzzzzzzz');
  });
});

describe('createCryptoRandom', () => {
  it('gives the requested number of bytes, and never the same bytes twice across pool refills', () => {
    const random = createCryptoRandom();
    const seen = new Set<string>();
    // 4 KiB pool: 2,000 draws of 16 bytes refill it several times.
    for (let i = 0; i < 2_000; i++) {
      const token = random.token(16);
      expect(Buffer.from(token, 'base64url')).toHaveLength(16);
      seen.add(token);
    }
    expect(seen.size).toBe(2_000);
    for (const size of [1, 7, 1024, 1025, 5000]) expect(Buffer.from(random.token(size), 'base64url')).toHaveLength(size);
  });

  it('refuses a size that is not a positive integer', () => {
    const random = createCryptoRandom();
    for (const size of [0, -1, 2.5, Number.NaN]) expect(() => random.token(size)).toThrow(RangeError);
  });
});
