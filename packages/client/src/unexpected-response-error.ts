/** Why a server's answer was not what the spec says it must be. */
export type UnexpectedResponseCode =
  | 'ERR_RESPONSE_NOT_JSON'
  | 'ERR_RESPONSE_TOO_LARGE'
  | 'ERR_UNEXPECTED_STATUS'
  | 'ERR_METADATA_ISSUER_MISMATCH'
  | 'ERR_METADATA_INVALID'
  | 'ERR_TOKEN_RESPONSE_INVALID'
  | 'ERR_BACKCHANNEL_RESPONSE_INVALID';

/**
 * The server answered, but not as the standard requires (a non-JSON body, RFC 8414 §3.3 issuer
 * mismatch, a token response missing `access_token`). Distinct from {@link OAuthClientError},
 * which is a well-formed refusal. The message never echoes the response body.
 */
export class UnexpectedResponseError extends Error {
  override readonly name = 'UnexpectedResponseError';
  /** A stable code to branch on. */
  readonly code: UnexpectedResponseCode;
  /** The HTTP status of the response. */
  readonly status: number;

  constructor(code: UnexpectedResponseCode, message: string, status: number) {
    super(message);
    this.code = code;
    this.status = status;
  }
}
