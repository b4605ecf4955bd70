import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * The stored form of a managed API key: lowercase hex SHA-256 of its UTF-8 text, the digest
 * `sha256sum` prints, so a team can compute it for keys it already holds (ARCHITECTURE.md, Security
 * rules: high-entropy secrets are stored by SHA-256).
 */
export function apiKeyHash(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/**
 * True when two hex digests are equal, compared in constant time: the lookup found a row by its
 * digest, and this second comparison keeps the answer independent of how many characters matched.
 */
export function sameDigest(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === 32 && y.length === 32 && timingSafeEqual(x, y);
}
