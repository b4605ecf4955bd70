import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;

/** Thrown when a sealed box was altered, moved to another record, or sealed under another key. */
export class SealedBoxError extends Error {
  override readonly name = 'SealedBoxError';
  constructor() {
    // Fixed text: nothing about the ciphertext or the key is worth telling anyone.
    super('sealed box authentication failed');
  }
}

function checkKey(masterKey: Buffer): void {
  if (!Buffer.isBuffer(masterKey) || masterKey.length !== KEY_BYTES) throw new TypeError('masterKey must be 32 bytes');
}

/**
 * Encrypts `plaintext` with AES-256-GCM (NIST SP 800-38D) under `masterKey`, binding it to `aad`.
 * Private keys are stored this way (ARCHITECTURE.md, Security rules) with their `kid` as `aad`, so
 * a ciphertext copied onto another key's row no longer opens.
 *
 * The 96-bit IV is random: a master key seals a few keys a month, far below the 2^32 limit that
 * SP 800-38D §8.3 puts on random IVs.
 *
 * @returns base64url(iv || ciphertext || tag)
 */
export function sealBox(masterKey: Buffer, aad: string, plaintext: Buffer): string {
  checkKey(masterKey);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', masterKey, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([iv, ciphertext, cipher.getAuthTag()]).toString('base64url');
}

/**
 * Decrypts what {@link sealBox} produced with the same `masterKey` and `aad`.
 * Throws {@link SealedBoxError} when anything was changed; never returns unauthenticated data.
 */
export function openBox(masterKey: Buffer, aad: string, sealed: string): Buffer {
  checkKey(masterKey);
  const box = Buffer.from(sealed, 'base64url');
  // Buffer.from ignores invalid characters; re-encoding catches a string that was not base64url.
  if (box.length < IV_BYTES + TAG_BYTES + 1 || box.toString('base64url') !== sealed) throw new SealedBoxError();
  const decipher = createDecipheriv('aes-256-gcm', masterKey, box.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(box.subarray(box.length - TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(box.subarray(IV_BYTES, box.length - TAG_BYTES)), decipher.final()]);
  } catch {
    throw new SealedBoxError();
  }
}
