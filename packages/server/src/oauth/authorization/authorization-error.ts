/**
 * The error codes of an authorization response (RFC 6749 §4.1.2.1, RFC 8707 §2 `invalid_target`),
 * sent to the client's redirect URI as query parameters with `state` and `iss` (RFC 9207 §2).
 * A closed list, documented in docs/errors.md ("Authorization endpoint").
 */
export const AUTHORIZATION_ERRORS = ['invalid_request', 'unauthorized_client', 'access_denied', 'unsupported_response_type', 'invalid_scope', 'invalid_target', 'server_error'] as const;

export type AuthorizationErrorCode = (typeof AUTHORIZATION_ERRORS)[number];

/**
 * A refused authorization request. `redirect` is true once client and redirect URI are known good
 * (RFC 6749 §4.1.2.1: only then may the error go back to the client); otherwise the person sees an
 * error page and is never redirected (RFC 6749 §3.1.2.4, no open redirector). `description` names
 * the parameter and the rule; `detail` is for the log and the audit record only.
 */
export class AuthorizationError extends Error {
  override readonly name = 'AuthorizationError';
  constructor(
    readonly code: AuthorizationErrorCode,
    readonly description: string,
    readonly redirect: boolean,
    readonly detail: string = description,
  ) {
    super(`${code}: ${detail}`);
  }
}
