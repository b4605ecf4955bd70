import { describe, expect, it } from 'vitest';
import { createTokenDigester } from '../../src/tokens/token-digest.js';

describe('createTokenDigester', () => {
  const digester = createTokenDigester(Buffer.alloc(32, 1));
  const token = 'eyJhbGciOiJFUzI1NiJ9.eyJqdGkiOiJ4In0.c2lnbmF0dXJl';

  it('keeps a 43-character digest that matches the token and nothing else', () => {
    const digest = digester.digest(token);
    expect(digest).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(digester.matches(token, digest)).toBe(true);
    expect(digester.matches(`${token}x`, digest)).toBe(false);
    expect(digester.matches(token, digest.slice(0, 42))).toBe(false);
    expect(digester.matches(token, `${digest}A`)).toBe(false);
  });

  it('depends on the master key: another key (or a plain SHA-256) does not match', async () => {
    const { createHash } = await import('node:crypto');
    expect(createTokenDigester(Buffer.alloc(32, 2)).digest(token)).not.toBe(digester.digest(token));
    expect(digester.matches(token, createHash('sha256').update(token).digest('base64url'))).toBe(false);
  });

  it('hashes characters, not their low bytes', () => {
    expect(digester.digest('A')).not.toBe(digester.digest('\u0141'));
  });

  it('refuses a master key shorter than 32 bytes', () => {
    expect(() => createTokenDigester(Buffer.alloc(16))).toThrow(TypeError);
  });
});
