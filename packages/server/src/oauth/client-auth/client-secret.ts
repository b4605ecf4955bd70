import { createHash, timingSafeEqual } from 'node:crypto';
import type { ClientEntry } from '../client-directory.js';

/** Client secrets we generate are 256-bit base64url strings (43 characters); bound what we hash. */
const MAX_SECRET_LENGTH = 512;
const DUMMY_DIGEST = Buffer.alloc(32);

/**
 * RFC 6749 §2.3.1 secret check: SHA-256 of the presented secret compared in constant time with
 * each stored digest (ARCHITECTURE.md, Security rules). Returns the matching credential id, or undefined.
 */
export function matchClientSecret(client: ClientEntry | undefined, secret: string): string | undefined {
  if (secret.length > MAX_SECRET_LENGTH) return undefined;
  const presented = createHash('sha256').update(secret, 'utf8').digest();
  let matched: string | undefined;
  // Compare against every digest (or a dummy) so timing does not reveal which one matched.
  const digests = client?.secretHashes.length ? client.secretHashes : [{ credentialId: '', digest: DUMMY_DIGEST }];
  for (const { credentialId, digest } of digests) {
    if (digest.length === presented.length && timingSafeEqual(digest, presented) && client !== undefined && credentialId !== '') {
      matched ??= credentialId;
    }
  }
  return matched;
}

/**
 * Decodes an RFC 6749 §2.3.1 Basic credential: `client_id` and `client_secret` are each
 * form-urlencoded (Appendix B) before being joined by a colon and base64-encoded.
 */
export function decodeBasicCredentials(authorization: string): { clientId: string; secret: string } | undefined {
  const match = /^Basic ([A-Za-z0-9+/]+={0,2})$/i.exec(authorization.trim());
  if (match?.[1] === undefined) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  try {
    const clientId = decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' '));
    const secret = decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' '));
    if (clientId === '' || secret === '') return undefined;
    return { clientId, secret };
  } catch {
    return undefined;
  }
}
