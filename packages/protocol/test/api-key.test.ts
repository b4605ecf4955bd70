import { describe, expect, it } from 'vitest';
import { API_KEY_LENGTH, API_KEY_SEARCH_PATTERN, apiKeyFormatFault, crc32, formatApiKey } from '../src/api-key.js';

const bytes = (fill: number): Uint8Array => new Uint8Array(32).fill(fill);

describe('managed API key format', () => {
  it('computes the standard CRC-32 (check value of "123456789")', () => {
    expect(crc32('123456789')).toBe(0xcbf43926);
  });

  it('formats 32 bytes as prefix, 43 base62 characters and a 6-character checksum that verifies', () => {
    const key = formatApiKey(bytes(0xab));
    expect(key).toMatch(/^aak_[0-9A-Za-z]{49}$/);
    expect(key).toHaveLength(API_KEY_LENGTH);
    expect(apiKeyFormatFault(key)).toBeUndefined();
    expect(formatApiKey(bytes(0xab))).toBe(key);
    expect(formatApiKey(bytes(0xac))).not.toBe(key);
    expect(formatApiKey(bytes(0xff))).toHaveLength(API_KEY_LENGTH);
    expect(formatApiKey(bytes(0))).toHaveLength(API_KEY_LENGTH);
  });

  it('refuses anything but 32 bytes with a TypeError', () => {
    expect(() => formatApiKey(new Uint8Array(31))).toThrow(TypeError);
  });

  it('tells a truncated, extended, mistyped or foreign string from a key', () => {
    const key = formatApiKey(bytes(7));
    expect(apiKeyFormatFault(key.slice(0, -1))).toBe('malformed');
    expect(apiKeyFormatFault(`${key}A`)).toBe('malformed');
    expect(apiKeyFormatFault(key.replace('aak_', 'aak-'))).toBe('malformed');
    expect(apiKeyFormatFault(`${key.slice(0, 10)}!${key.slice(11)}`)).toBe('malformed');
    expect(apiKeyFormatFault(undefined)).toBe('malformed');
    expect(apiKeyFormatFault('x'.repeat(1_000_000))).toBe('malformed');
    const swapped = key.slice(0, 10) + (key[10] === 'A' ? 'B' : 'A') + key.slice(11);
    expect(apiKeyFormatFault(swapped)).toBe('checksum');
  });

  it('finds keys in text only as whole words', () => {
    const key = formatApiKey(bytes(9));
    const found = [...`token=${key}\nx${key}\n"${key}"`.matchAll(API_KEY_SEARCH_PATTERN)].map((m) => m[0]);
    expect(found).toEqual([key, key]);
  });
});
