/**
 * Hard bounds on the access tokens we issue. Other modules (key rotation, the token endpoint, the
 * admin API validating an agent's `accessTokenTtl`) derive their own limits from these, so a token
 * can never outlive the key that verifies it.
 */

/**
 * The longest lifetime (seconds) any access token may have, whatever an agent is configured with.
 * An `old` signing key stays in the JWKS this long after it stopped signing (RFC 7517 rotation),
 * so raising it lengthens how long every old key stays published.
 */
export const MAX_ACCESS_TOKEN_TTL = 86_400;

/** The shortest lifetime (seconds) an access token may be configured with. */
export const MIN_ACCESS_TOKEN_TTL = 10;

/**
 * The largest compact JWS (characters) we issue. RFC 9068 tokens travel in an `Authorization`
 * header, and many proxies cap a header line at 8 KiB; the resource-server SDK refuses larger ones
 * by default.
 */
export const MAX_ACCESS_TOKEN_LENGTH = 8_192;
