import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { openBox, sealBox, SealedBoxError } from '../../src/keys/sealed-box.js';

const key = randomBytes(32);
const secret = Buffer.from('-----PKCS#8 private key bytes-----');

describe('sealed box (AES-256-GCM; ARCHITECTURE.md, Security rules)', () => {
  it('opens what it sealed, and never seals the same way twice (random IV)', () => {
    const a = sealBox(key, 'kid-1', secret);
    const b = sealBox(key, 'kid-1', secret);
    expect(a).not.toBe(b);
    expect(openBox(key, 'kid-1', a)).toEqual(secret);
    expect(openBox(key, 'kid-1', b)).toEqual(secret);
    expect(Buffer.from(a, 'base64url').length).toBe(12 + secret.length + 16);
  });

  it('refuses a ciphertext moved to another key row (the kid is bound as AAD)', () => {
    expect(() => openBox(key, 'kid-2', sealBox(key, 'kid-1', secret))).toThrow(SealedBoxError);
  });

  it('refuses another master key', () => {
    expect(() => openBox(randomBytes(32), 'kid-1', sealBox(key, 'kid-1', secret))).toThrow(SealedBoxError);
  });

  it('refuses any flipped bit, in IV, ciphertext or tag, and truncation', () => {
    const sealed = Buffer.from(sealBox(key, 'kid-1', secret), 'base64url');
    for (const index of [0, 11, 12, sealed.length - 17, sealed.length - 1]) {
      const tampered = Buffer.from(sealed);
      tampered[index] = (tampered[index] as number) ^ 1;
      expect(() => openBox(key, 'kid-1', tampered.toString('base64url'))).toThrow(SealedBoxError);
    }
    expect(() => openBox(key, 'kid-1', sealed.subarray(0, sealed.length - 1).toString('base64url'))).toThrow(SealedBoxError);
    expect(() => openBox(key, 'kid-1', 'not base64url!')).toThrow(SealedBoxError);
  });

  it('says nothing about the secret when it fails', () => {
    try {
      openBox(key, 'kid-2', sealBox(key, 'kid-1', secret));
    } catch (error) {
      expect((error as Error).message).toBe('sealed box authentication failed');
    }
    expect.assertions(1);
  });

  it('throws TypeError for a master key that is not 32 bytes', () => {
    expect(() => sealBox(randomBytes(16), 'kid', secret)).toThrow(TypeError);
    expect(() => openBox(randomBytes(31), 'kid', 'x')).toThrow(TypeError);
  });
});
