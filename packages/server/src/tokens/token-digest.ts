import { createHash, timingSafeEqual } from 'node:crypto';

/** A SHA-256 digest in base64url: 43 characters. */
const DIGEST_LENGTH = 43;

/**
 * The digest kept with every token we issue (`IssuedTokenRecord.tokenDigest`): SHA-256 over the
 * compact serialization exactly as sent, base64url.
 */
export function tokenDigest(token: string): string {
  return createHash('sha256').update(token, 'latin1').digest('base64url');
}

/**
 * Whether `token` is, byte for byte, the token whose digest is `digest` (constant time in the
 * digest). A token we signed is recognised this way without verifying its signature again: the
 * digest was written in the same transaction as the token's issuance, before the token was
 * returned, so a match means these are the bytes we signed (SHA-256 second-preimage resistance).
 */
export function matchesTokenDigest(token: string, digest: string): boolean {
  if (digest.length !== DIGEST_LENGTH) return false;
  const expected = Buffer.from(digest, 'base64url');
  const actual = createHash('sha256').update(token, 'latin1').digest();
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
