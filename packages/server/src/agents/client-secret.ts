import { createHash, timingSafeEqual } from 'node:crypto';
import type { Random } from '../random.js';

/** 256 bits: high entropy, so a plain SHA-256 at rest is enough (ARCHITECTURE.md, Security rules). */
const SECRET_BYTES = 32;

/** A freshly generated secret and the only form of it we keep. */
export interface GeneratedSecret {
  /** Shown to the caller once; never stored, logged or audited. */
  secret: string;
  /** SHA-256 of the secret, base64url. */
  hash: string;
}

/**
 * Generates a server-made secret: an RFC 6749 §2.3.1 client secret or an RFC 7592 §3 registration
 * access token. 32 random bytes, base64url.
 */
export function generateSecret(random: Random): GeneratedSecret {
  const secret = random.token(SECRET_BYTES);
  return { secret, hash: hashSecret(secret) };
}

/**
 * SHA-256 of a secret, base64url: the stored form of every secret we issue (ARCHITECTURE.md,
 * Security rules).
 */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('base64url');
}

/**
 * True when `presented` hashes to `storedHash`. Compares the digests in constant time, so the
 * time taken says nothing about how much of the secret was right.
 */
export function verifySecret(presented: string, storedHash: string): boolean {
  const a = createHash('sha256').update(presented, 'utf8').digest();
  const b = Buffer.from(storedHash, 'base64url');
  // Digest lengths are public (always 32 for a well-formed hash); only the content is secret.
  return a.length === b.length && timingSafeEqual(a, b);
}
