import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

/** HKDF `info` deriving the digest key from the master key (RFC 5869 §3.2). */
const HKDF_INFO = 'agentauth issued-token digest v1';
/** HMAC-SHA256 in base64url: 43 characters. */
const DIGEST_LENGTH = 43;

/**
 * The digest kept with every token we issue (`IssuedTokenRecord.tokenDigest`) and checked when one
 * of our tokens is presented back: HMAC-SHA256 over the compact serialization exactly as sent
 * (UTF-8), under a key derived from the master key with HKDF-SHA256.
 *
 * Keyed, not a plain hash, so that write access to the database is not enough to make a token
 * count as ours: whoever could insert a row of `issued_tokens` could store the SHA-256 of any
 * string, but not its MAC without the master key (the same key the signing keys are sealed under).
 */
export interface TokenDigester {
  /** The digest to keep with `token` at issuance. */
  digest(token: string): string;
  /**
   * Whether `token` is, byte for byte, the token whose kept digest is `digest` (constant time in
   * the digest). Written in the same transaction as the token's issuance, before the token was
   * returned, so a match means these are bytes we issued.
   */
  matches(token: string, digest: string): boolean;
}

/** The digester under the key derived from `masterKey`. */
export function createTokenDigester(masterKey: Buffer): TokenDigester {
  if (masterKey.length < 32) throw new TypeError('createTokenDigester: the master key must be at least 32 bytes');
  const key = Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), HKDF_INFO, 32));
  const mac = (token: string): Buffer => createHmac('sha256', key).update(token, 'utf8').digest();
  return {
    digest: (token) => mac(token).toString('base64url'),
    matches(token, digest) {
      if (digest.length !== DIGEST_LENGTH) return false;
      const expected = Buffer.from(digest, 'base64url');
      const actual = mac(token);
      return expected.length === actual.length && timingSafeEqual(expected, actual);
    },
  };
}
