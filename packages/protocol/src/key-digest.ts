/**
 * Imported third-party keys are known to agentauth by their digest only (docs/migration.md, "Keys
 * you already have"): the lowercase hex SHA-256 of the key's UTF-8 text, exactly what `sha256sum`
 * prints. The key itself never leaves the service that accepts it.
 */

/** A key digest: 64 lowercase hex characters. */
export const KEY_DIGEST_PATTERN = /^[0-9a-f]{64}$/;

/** True when `value` is a well-formed key digest (lowercase hex SHA-256). */
export function isKeyDigest(value: unknown): value is string {
  return typeof value === 'string' && KEY_DIGEST_PATTERN.test(value);
}

/**
 * The token type URI an active answer of the key digest endpoint carries (`token_type`), so a
 * service never takes an imported key's answer for an access token's (RFC 8693 §3 allows token
 * types beyond those it registers, by URI).
 */
export const TOKEN_TYPE_IMPORTED_KEY = 'urn:agentauth:params:oauth:token-type:imported-key';
