/**
 * Whether two strings are equal, in time that depends on their length only, never on where they
 * first differ: for thumbprints and hashes a request is checked against, so a caller timing the
 * answer learns nothing of the expected value (ARCHITECTURE.md, Security rules). Web-only, unlike
 * `node:crypto`'s `timingSafeEqual`. The length is not hidden: every value compared here has a
 * length fixed by its algorithm (a base64url SHA-256 is 43 characters).
 */
export function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return difference === 0;
}
