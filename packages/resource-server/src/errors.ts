/**
 * Why an access token was refused. The list is closed: each code has one fixed message, and an
 * adapter maps every one of them to RFC 6750 §3.1 `invalid_token` for the client, keeping the code
 * for the operator's log.
 */
export type AccessTokenErrorCode =
  /** Not a compact JWS with a JSON header and claims set (RFC 7515 §7.1, RFC 7519 §7.2). */
  | 'ERR_TOKEN_MALFORMED'
  /** Longer than `maxTokenLength`; refused before any parsing. */
  | 'ERR_TOKEN_TOO_LARGE'
  /** Header `typ` is not `at+jwt` (RFC 9068 §4, RFC 8725 §3.11). */
  | 'ERR_TOKEN_TYP'
  /** Header `alg` is not in the allow-list, or does not fit the key (RFC 8725 §3.1). */
  | 'ERR_TOKEN_ALG'
  /** Header carries `crit`, `b64` or a parameter naming or carrying a key (`jwk`, `jku`, `x5u`, `x5c`, `x5t`, `x5t#S256`) (RFC 8725 §3.10). */
  | 'ERR_TOKEN_HEADER'
  /** No verification key for the header's `kid`. */
  | 'ERR_TOKEN_KEY_UNKNOWN'
  /** The signature does not verify (RFC 7515 §5.2). */
  | 'ERR_TOKEN_SIGNATURE'
  /** `exp` has passed (RFC 7519 §4.1.4). */
  | 'ERR_TOKEN_EXPIRED'
  /** `nbf` or `iat` is in the future (RFC 7519 §4.1.5, §4.1.6). */
  | 'ERR_TOKEN_NOT_YET_VALID'
  /** `iss` is not the expected issuer (RFC 9068 §4). */
  | 'ERR_TOKEN_ISSUER'
  /** `aud` does not contain this resource server (RFC 9068 §4, RFC 8707). */
  | 'ERR_TOKEN_AUDIENCE'
  /** A required claim is missing or has the wrong type, or a time claim is not a finite NumericDate (RFC 9068 §2.2, RFC 7519 §2). */
  | 'ERR_TOKEN_CLAIMS'
  /** The token is sender-constrained (`cnf`, RFC 9449 / RFC 8705) and this check cannot verify the binding. */
  | 'ERR_TOKEN_BINDING';

const MESSAGES: Readonly<Record<AccessTokenErrorCode, string>> = {
  ERR_TOKEN_MALFORMED: 'access token is malformed',
  ERR_TOKEN_TOO_LARGE: 'access token is too large',
  ERR_TOKEN_TYP: 'access token has the wrong type',
  ERR_TOKEN_ALG: 'access token algorithm is not allowed',
  ERR_TOKEN_HEADER: 'access token header carries a refused parameter',
  ERR_TOKEN_KEY_UNKNOWN: 'access token signing key is unknown',
  ERR_TOKEN_SIGNATURE: 'access token signature is invalid',
  ERR_TOKEN_EXPIRED: 'access token has expired',
  ERR_TOKEN_NOT_YET_VALID: 'access token is not yet valid',
  ERR_TOKEN_ISSUER: 'access token issuer is not trusted',
  ERR_TOKEN_AUDIENCE: 'access token is not meant for this resource',
  ERR_TOKEN_CLAIMS: 'access token claims are missing or invalid',
  ERR_TOKEN_BINDING: 'access token is sender-constrained and its binding cannot be checked',
};

/**
 * An access token failed validation (untrusted input). The message is fixed per code and never
 * contains the token or any of its claims. Programmer misuse throws `TypeError` instead.
 */
export class AccessTokenError extends Error {
  override readonly name = 'AccessTokenError';
  readonly code: AccessTokenErrorCode;
  constructor(code: AccessTokenErrorCode) {
    super(MESSAGES[code]);
    this.code = code;
  }
}
