import type { OAuthErrorCode, OAuthErrorFields } from '@agentauth/protocol';
import type { AccessTokenErrorCode } from './errors.js';

/**
 * Why a request was refused. The list is closed; each code has a fixed message, an HTTP status
 * and an RFC 6750 §3.1 / RFC 9449 §7.1 `error` for the client (see {@link errorResponse}).
 * The token codes come from {@link AccessTokenErrorCode}.
 */
export type VerificationErrorCode =
  | AccessTokenErrorCode
  /** No access token in the request: no `Authorization`, or another scheme such as `Basic` (RFC 6750 §3.1: the answer carries no `error`). */
  | 'ERR_REQUEST_NO_TOKEN'
  /** More than one credential, a malformed `Authorization` header (RFC 6750 §3.1 `invalid_request`). */
  | 'ERR_REQUEST_INVALID'
  /** The token was revoked: by `jti`, or its agent revoked every token issued before a time. */
  | 'ERR_TOKEN_REVOKED'
  /** The introspection endpoint says the token is not active (RFC 7662 §2.2). */
  | 'ERR_TOKEN_INACTIVE'
  /** A DPoP-bound token (`cnf.jkt`) presented with the `Bearer` scheme (RFC 9449 §7.1). */
  | 'ERR_DPOP_REQUIRED'
  /** The `DPoP` scheme used with a token that is not DPoP-bound. */
  | 'ERR_DPOP_NOT_BOUND'
  /** The DPoP proof is missing, malformed, badly signed or does not fit the request (RFC 9449 §4.3). */
  | 'ERR_DPOP_PROOF'
  /** The DPoP proof's `jti` was seen before (RFC 9449 §11.1). */
  | 'ERR_DPOP_REPLAY'
  /** The DPoP proof lacks the current nonce (RFC 9449 §9); the answer carries a fresh `DPoP-Nonce`. */
  | 'ERR_DPOP_NONCE'
  /** The token is certificate-bound and the connection has no or another certificate (RFC 8705 §3). */
  | 'ERR_MTLS_BINDING'
  /** The token lacks a scope the request needs (RFC 6750 §3.1 `insufficient_scope`). */
  | 'ERR_INSUFFICIENT_SCOPE'
  /** The token's `act` chain is not allowed here (RFC 8693 §4.1): delegated, or delegated too deep. */
  | 'ERR_DELEGATION_REFUSED'
  /** The authorization server's PDP did not permit the request (AuthZEN 1.0 §5.5), or could not be asked (fail closed). */
  | 'ERR_ACCESS_DENIED'
  /** The token's RFC 9396 `authorization_details` do not cover the request (type, fields, amounts). */
  | 'ERR_AUTHORIZATION_DETAILS'
  /** A single-use token (`requireAuthorizationDetails` with `singleUse`) was presented again. */
  | 'ERR_TOKEN_REUSED'
  /** The revocation feed has been down longer than allowed: fail closed. */
  | 'ERR_REVOCATION_UNAVAILABLE'
  /** Verification keys (or the introspection endpoint) could not be reached and nothing is cached. */
  | 'ERR_ISSUER_UNAVAILABLE';

/** The RFC 6750 §3.1 / RFC 9449 §7.1 error code a client sees; `undefined` for a missing token. */
export type ClientErrorCode = Extract<OAuthErrorCode, 'invalid_request' | 'invalid_token' | 'insufficient_scope' | 'invalid_dpop_proof' | 'use_dpop_nonce' | 'temporarily_unavailable'>;

interface CodeInfo {
  status: 400 | 401 | 403 | 503;
  error: ClientErrorCode | undefined;
  /** Fixed text for the client (RFC 6750 §3 `error_description`): never the specific reason. */
  description: string;
}

const TOKEN: CodeInfo = { status: 401, error: 'invalid_token', description: 'the access token is invalid' };
const DPOP: CodeInfo = { status: 401, error: 'invalid_dpop_proof', description: 'the DPoP proof is invalid' };

const INFO: Readonly<Record<Exclude<VerificationErrorCode, AccessTokenErrorCode>, CodeInfo>> = {
  ERR_REQUEST_NO_TOKEN: { status: 401, error: undefined, description: '' },
  ERR_REQUEST_INVALID: { status: 400, error: 'invalid_request', description: 'the request credentials are malformed' },
  ERR_TOKEN_REVOKED: TOKEN,
  ERR_TOKEN_INACTIVE: TOKEN,
  ERR_DPOP_REQUIRED: TOKEN,
  ERR_DPOP_NOT_BOUND: TOKEN,
  ERR_DPOP_PROOF: DPOP,
  ERR_DPOP_REPLAY: DPOP,
  ERR_DPOP_NONCE: { status: 401, error: 'use_dpop_nonce', description: 'the DPoP proof must carry the nonce this server provides' },
  ERR_MTLS_BINDING: TOKEN,
  ERR_INSUFFICIENT_SCOPE: { status: 403, error: 'insufficient_scope', description: 'the access token lacks a required scope' },
  ERR_DELEGATION_REFUSED: { status: 403, error: 'insufficient_scope', description: 'this delegation chain is not accepted here' },
  ERR_ACCESS_DENIED: { status: 403, error: 'insufficient_scope', description: 'the request is not permitted by policy' },
  ERR_AUTHORIZATION_DETAILS: { status: 403, error: 'insufficient_scope', description: 'the access token authorization_details do not cover this request' },
  ERR_TOKEN_REUSED: TOKEN,
  ERR_REVOCATION_UNAVAILABLE: { status: 503, error: 'temporarily_unavailable', description: 'token revocation state is unavailable' },
  ERR_ISSUER_UNAVAILABLE: { status: 503, error: 'temporarily_unavailable', description: 'the authorization server cannot be reached' },
};

const MESSAGES: Readonly<Record<Exclude<VerificationErrorCode, AccessTokenErrorCode>, string>> = {
  ERR_REQUEST_NO_TOKEN: 'the request carries no access token',
  ERR_REQUEST_INVALID: 'the request credentials are malformed',
  ERR_TOKEN_REVOKED: 'access token is revoked',
  ERR_TOKEN_INACTIVE: 'access token is not active',
  ERR_DPOP_REQUIRED: 'a DPoP-bound access token was presented as a bearer token',
  ERR_DPOP_NOT_BOUND: 'the DPoP scheme was used with an access token that is not DPoP-bound',
  ERR_DPOP_PROOF: 'the DPoP proof is invalid',
  ERR_DPOP_REPLAY: 'the DPoP proof was used before',
  ERR_DPOP_NONCE: 'the DPoP proof lacks the current nonce',
  ERR_MTLS_BINDING: 'the access token is bound to another certificate',
  ERR_INSUFFICIENT_SCOPE: 'the access token lacks a required scope',
  ERR_DELEGATION_REFUSED: 'the access token delegation chain is refused',
  ERR_ACCESS_DENIED: 'the policy decision point did not permit the request',
  ERR_AUTHORIZATION_DETAILS: 'the access token authorization_details do not cover this request',
  ERR_TOKEN_REUSED: 'a single-use access token was presented again',
  ERR_REVOCATION_UNAVAILABLE: 'the revocation feed has been down longer than allowed',
  ERR_ISSUER_UNAVAILABLE: 'the authorization server cannot be reached and nothing is cached',
};

/** RFC 6750 `Bearer` or RFC 9449 `DPoP`. */
export type AuthScheme = 'Bearer' | 'DPoP';

/** Optional facts of a {@link VerificationError}. */
export interface VerificationErrorDetails {
  requiredScopes?: readonly string[];
  dpopNonce?: string;
  scheme?: AuthScheme;
  /** The underlying error, for the operator's log only. */
  cause?: unknown;
  message?: string;
}

/**
 * A request failed verification (untrusted input, or an unreachable dependency that makes the
 * check fail closed). The message is fixed per code and never contains the token, the proof or
 * any claim. `requiredScopes` is set for `ERR_INSUFFICIENT_SCOPE` (RFC 6750 §3 `scope`);
 * `dpopNonce` for `ERR_DPOP_NONCE` (RFC 9449 §9, the `DPoP-Nonce` header). `cause` may carry the
 * underlying error, for the operator's log only.
 */
export class VerificationError extends Error implements OAuthErrorFields {
  override readonly name = 'VerificationError';
  readonly code: VerificationErrorCode;
  readonly status: 400 | 401 | 403 | 503;
  /** What the client is told (RFC 6750 §3.1); `undefined` when the request had no token at all. */
  readonly error: ClientErrorCode | undefined;
  /** Fixed text for the client (RFC 6750 §3), never the specific reason: that is `code` and the message. */
  readonly error_description: string;
  readonly requiredScopes: readonly string[] | undefined;
  readonly dpopNonce: string | undefined;
  /** The authentication scheme the challenge names; `undefined` offers every scheme the service accepts. */
  readonly scheme: AuthScheme | undefined;

  constructor(code: VerificationErrorCode, extra: VerificationErrorDetails = {}) {
    const info = code in INFO ? INFO[code as keyof typeof INFO] : TOKEN;
    super(code in MESSAGES ? MESSAGES[code as keyof typeof MESSAGES] : (extra.message ?? 'access token is invalid'), extra.cause === undefined ? undefined : { cause: extra.cause });
    this.code = code;
    this.status = info.status;
    this.error = info.error;
    this.error_description = info.description;
    this.requiredScopes = extra.requiredScopes;
    this.dpopNonce = extra.dpopNonce;
    this.scheme = extra.scheme;
  }
}
