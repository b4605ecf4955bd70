import { createHash, timingSafeEqual } from 'node:crypto';

/** RFC 7636 §4.1: 43 to 128 unreserved characters. */
const VERIFIER_PATTERN = /^[A-Za-z0-9._~-]{43,128}$/;
/** RFC 7636 §4.2: BASE64URL(SHA256(verifier)) is always 43 characters. */
export const S256_CHALLENGE_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/**
 * RFC 7636 §4.6 with `S256`, the only method accepted (OAuth 2.1 §4.1.1: `plain` is not
 * supported here): BASE64URL(SHA256(ASCII(code_verifier))) must equal the stored challenge,
 * compared in constant time. A malformed verifier never matches.
 */
export function verifyPkceS256(verifier: string | undefined, challenge: string): boolean {
  if (verifier === undefined || !VERIFIER_PATTERN.test(verifier) || !S256_CHALLENGE_PATTERN.test(challenge)) return false;
  const computed = createHash('sha256').update(verifier, 'ascii').digest();
  return timingSafeEqual(computed, Buffer.from(challenge, 'base64url'));
}
