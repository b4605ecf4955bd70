/**
 * OAuth 2.0 error codes we emit on the public protocol surface.
 *
 * - RFC 6749 §5.2 (token endpoint) and RFC 6750 §3.1 (resource servers)
 * - RFC 8707 §2 (`invalid_target`)
 * - RFC 7009 §2.2.1 (`unsupported_token_type`)
 * - RFC 7591 §3.2.2 (`invalid_client_metadata`, `invalid_redirect_uri`)
 * - RFC 9449 §5, §7.1 (`invalid_dpop_proof`, `use_dpop_nonce`)
 * - RFC 9396 §5 (`invalid_authorization_details`)
 * - OpenID CIBA Core 1.0 §11 (`authorization_pending`, `slow_down`, `expired_token`,
 *   `access_denied`) and §13 (`unknown_user_id`, `invalid_binding_message`)
 */
export const OAUTH_ERROR_CODES = [
  'invalid_request',
  'invalid_client',
  'invalid_grant',
  'unauthorized_client',
  'unsupported_grant_type',
  'invalid_scope',
  'invalid_target',
  'invalid_token',
  'insufficient_scope',
  'unsupported_token_type',
  'invalid_client_metadata',
  'invalid_redirect_uri',
  'invalid_dpop_proof',
  'use_dpop_nonce',
  'server_error',
  'temporarily_unavailable',
  'invalid_authorization_details',
  'authorization_pending',
  'slow_down',
  'expired_token',
  'access_denied',
  'unknown_user_id',
  'invalid_binding_message',
] as const;

/** One of {@link OAUTH_ERROR_CODES}. */
export type OAuthErrorCode = (typeof OAUTH_ERROR_CODES)[number];

/**
 * Error codes of the certificate authority's JSON API (`POST /ca/v1/certificates`, the CRLs):
 * RFC 6750 §3.1 for its bearer token, RFC 6749 §5.2 `invalid_client` for a refused client
 * certificate, `access_denied` (RFC 6749 §4.1.2.1) for an agent that may not be issued
 * certificates, its own `invalid_csr` (with a `csr_error` member) and `not_found`, and
 * `temporarily_unavailable` (503 with `Retry-After`) while storage cannot be reached or written.
 */
export const CA_ERROR_CODES = ['invalid_request', 'invalid_token', 'invalid_client', 'insufficient_scope', 'invalid_csr', 'access_denied', 'not_found', 'server_error', 'temporarily_unavailable'] as const;

/** One of {@link CA_ERROR_CODES}. */
export type CaApiErrorCode = (typeof CA_ERROR_CODES)[number];

/**
 * Error codes of the Shared Signals endpoints (SSF 1.0 §8.1 names the statuses): RFC 6750 §3.1 for
 * the receiver's bearer token, and `forbidden`, `not_found`, `too_many_requests` for the statuses
 * SSF names without a code; `temporarily_unavailable` (503 with `Retry-After`) while storage cannot
 * be reached or written.
 */
export const SSF_ERROR_CODES = ['invalid_request', 'invalid_token', 'insufficient_scope', 'forbidden', 'not_found', 'too_many_requests', 'server_error', 'temporarily_unavailable'] as const;

/** One of {@link SSF_ERROR_CODES}. */
export type SsfErrorCode = (typeof SSF_ERROR_CODES)[number];

/**
 * Error codes of the AuthZEN evaluation endpoints (AuthZEN 1.0 §10.1.2 names the statuses 400, 401,
 * 403, 500): RFC 6749 §5.2 `invalid_request` for a malformed request, RFC 6750 §3.1 for the
 * caller's bearer token, and `temporarily_unavailable` (503 with `Retry-After`) while storage
 * cannot be reached. A denial is no error: it is `200 {"decision": false}`.
 */
export const AUTHZEN_ERROR_CODES = ['invalid_request', 'invalid_token', 'insufficient_scope', 'server_error', 'temporarily_unavailable'] as const;

/** One of {@link AUTHZEN_ERROR_CODES}. */
export type AuthZenErrorCode = (typeof AUTHZEN_ERROR_CODES)[number];

/** Every error code a protocol surface of ours answers: the OAuth endpoints, the CA API, the SSF API, the AuthZEN PDP. */
export type ProtocolErrorCode = OAuthErrorCode | CaApiErrorCode | SsfErrorCode | AuthZenErrorCode;

/** RFC 6749 §5.2 error response body (the CA and SSF APIs answer the same shape). */
export interface OAuthErrorBody {
  error: ProtocolErrorCode;
  error_description?: string;
}

/**
 * What every OAuth error an SDK raises carries, named as on the wire (RFC 6749 §5.2, RFC 6750 §3):
 * the `error` code (undefined where the answer names none, as RFC 6750 §3.1 has it for a request
 * without a token), its `error_description`, and the HTTP `status` of the answer.
 */
export interface OAuthErrorFields {
  readonly error: string | undefined;
  readonly error_description: string | undefined;
  readonly status: number;
}
