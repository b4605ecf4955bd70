import type { OAuthErrorBody, ProtocolErrorCode } from '@agentauth/protocol';

/**
 * The one closed list of protocol errors: every code the OAuth endpoints, the CA API and the SSF
 * API answer, with its status and its fixed public description (RFC 6749 §5.2, RFC 6750 §3.1 and
 * RFC 9449 wording where they have one). docs/errors.md documents the same codes, and a test keeps
 * the two in agreement. Each code has its constructor below, as node-oidc-provider's errors.js does.
 *
 * The description is what the client reads. It is fixed for a failed authentication and for
 * anything that is not the caller's own mistake, so it never says whether a client exists or which
 * check failed. Where the caller's own input is refused (`invalid_request`, `invalid_scope`,
 * `invalid_target`, `invalid_client_metadata`, `invalid_redirect_uri`, `invalid_csr`, `not_found`),
 * the constructor takes a description that names the field and the rule instead; the fixed one
 * then serves only where nothing more can be said (a body the framework could not read).
 */
export const PROTOCOL_ERRORS = {
  invalid_request: { status: 400, description: 'The request is missing a required parameter, includes an invalid parameter value, includes a parameter more than once, or is otherwise malformed.' },
  invalid_client: { status: 401, description: 'Client authentication failed.' },
  invalid_grant: { status: 400, description: 'The provided authorization grant is invalid, expired, revoked, or was issued to another client.' },
  unauthorized_client: { status: 400, description: 'The authenticated client is not authorized to use this authorization grant type.' },
  unsupported_grant_type: { status: 400, description: 'The authorization grant type is not supported by the authorization server.' },
  invalid_scope: { status: 400, description: 'The requested scope is invalid, unknown, malformed, or exceeds the scope granted to the client.' },
  invalid_target: { status: 400, description: 'The requested resource is invalid, missing, unknown, or not allowed for this client.' },
  invalid_token: { status: 401, description: 'The access token is invalid.' },
  insufficient_scope: { status: 403, description: 'The request requires higher privileges than provided by the access token.' },
  unsupported_token_type: { status: 400, description: 'The authorization server does not support the revocation of the presented token type.' },
  invalid_client_metadata: { status: 400, description: 'The value of one of the client metadata fields is invalid.' },
  invalid_redirect_uri: { status: 400, description: 'The value of one or more redirection URIs is invalid.' },
  invalid_dpop_proof: { status: 400, description: 'The DPoP proof is invalid.' },
  use_dpop_nonce: { status: 400, description: 'Authorization server requires nonce in DPoP proof.' },
  server_error: { status: 500, description: 'The authorization server encountered an unexpected condition.' },
  temporarily_unavailable: { status: 503, description: 'The server cannot handle the request now; retry after the number of seconds in Retry-After.' },
  invalid_csr: { status: 400, description: 'The certificate signing request was refused.' },
  access_denied: { status: 403, description: 'The agent may not be issued certificates.' },
  not_found: { status: 404, description: 'There is no such resource.' },
  forbidden: { status: 403, description: 'This receiver may not do this.' },
  too_many_requests: { status: 429, description: 'Too many requests; retry after the number of seconds in Retry-After.' },
  invalid_authorization_details: { status: 400, description: 'The authorization details are invalid, of an unknown type, or not allowed for this client.' },
  authorization_pending: { status: 400, description: 'The person has not yet approved or denied the request.' },
  slow_down: { status: 400, description: 'The request is still pending and the client polls too fast: wait the interval, and 5 seconds more.' },
  expired_token: { status: 400, description: 'The auth_req_id has expired: the person did not answer in time.' },
  unknown_user_id: { status: 400, description: 'The hint does not identify a person who may approve this request.' },
  invalid_binding_message: { status: 400, description: 'The binding_message is invalid or too long.' },
} as const satisfies Record<ProtocolErrorCode, { status: number; description: string }>;

/**
 * A refused protocol request (RFC 6749 §5.2 JSON, which the CA and SSF APIs answer too). Two
 * audiences (ARCHITECTURE.md, Errors; docs/errors.md): `description` goes to the client and `detail`, the
 * specific reason, only to the log and the audit record. Made by the constructors below; either
 * way the description is made to fit RFC 6749 §5.2's character set ({@link errorDescription}).
 */
export class OAuthError extends Error {
  override readonly name = 'OAuthError';
  /** What the client reads in `error_description`: printable ASCII without `"` and `\`. */
  readonly description: string;
  constructor(
    readonly code: ProtocolErrorCode,
    readonly status: number,
    description: string,
    /** Private reason for operators. Never sent to the client. Never contains a secret. */
    readonly detail: string,
    /** Extra response headers, e.g. `WWW-Authenticate` for 401 (RFC 6749 §5.2). */
    readonly headers: Readonly<Record<string, string>> = {},
    /** Further members of the body beside `error` and `error_description` (the CA's `csr_error`). */
    readonly members: Readonly<Record<string, string>> = {},
  ) {
    super(`${code}: ${detail}`);
    this.description = errorDescription(description);
  }
}

/** The JSON body an error is answered with: `error`, `error_description`, and its own members. */
export function errorBody(error: OAuthError): OAuthErrorBody & Record<string, string> {
  return { error: error.code, error_description: error.description, ...error.members };
}

/** Longest `error_description` we send: a sentence or two, never a dump of the input. */
export const MAX_DESCRIPTION_LENGTH = 400;

/**
 * `text` in the character set RFC 6749 §5.2 allows in `error_description`
 * (`%x20-21 / %x23-5B / %x5D-7E`): `§` is spelt `section `, a double quote becomes a single quote, a
 * backslash a slash, any other character outside the set (control characters, non-ASCII) a `?`; at most
 * {@link MAX_DESCRIPTION_LENGTH} characters. RFC 6750 §3 sets the same rule, and RFC 7591 §3.2.2 asks
 * for ASCII.
 */
export function errorDescription(text: string): string {
  const fitted = text
    .replace(/§ ?/g, 'section ')
    .replace(/…/g, '...')
    .replace(/"/g, "'")
    .replace(/\\/g, '/')
    .replace(/[^\x20-\x7E]/g, '?');
  return fitted.length <= MAX_DESCRIPTION_LENGTH ? fitted : `${fitted.slice(0, MAX_DESCRIPTION_LENGTH - 3)}...`;
}

/**
 * A value the caller sent, quoted for a description that names it (`scope 'orders:write' is ...`),
 * cut to `max` characters. Only for the caller's own input, never for a secret.
 */
export function quoted(value: string, max = 100): string {
  return `'${value.length <= max ? value : `${value.slice(0, max)}...`}'`;
}

/** An error of `code` with its status and fixed description. */
function fixed(code: ProtocolErrorCode, detail: string, headers: Readonly<Record<string, string>> = {}): OAuthError {
  const { status, description } = PROTOCOL_ERRORS[code];
  return new OAuthError(code, status, description, detail, headers);
}

/** An error of `code` about the caller's own input: `description` names the field and the rule. */
function ofInput(code: ProtocolErrorCode, description: string, detail: string, status: number = PROTOCOL_ERRORS[code].status): OAuthError {
  return new OAuthError(code, status, description, detail);
}

/**
 * 400 `invalid_authorization_details` (RFC 9396 §5): the caller's `authorization_details` are
 * malformed, of a type this server does not know, or fail their type's rules; `description` names
 * the detail and the rule.
 */
export function invalidAuthorizationDetails(description: string, detail = description): OAuthError {
  return ofInput('invalid_authorization_details', description, detail);
}

/** One of CIBA Core 1.0 §11's token errors of a pending, denied or expired `auth_req_id`, with its fixed description. */
export function cibaTokenError(code: 'authorization_pending' | 'slow_down' | 'expired_token', detail: string): OAuthError {
  return fixed(code, detail);
}

/** 400 `access_denied` (CIBA Core 1.0 §11, RFC 6749 §5.2 as CIBA uses it): a person denied the request, or a rule refuses it; `description` says which. */
export function approvalDenied(description: string, detail = description): OAuthError {
  return ofInput('access_denied', description, detail, 400);
}

/** 400 `unknown_user_id` (CIBA Core 1.0 §13): the hint names nobody who may approve; the description is fixed, never saying whether the person exists. */
export function unknownUserId(detail: string): OAuthError {
  return fixed('unknown_user_id', detail);
}

/** 400 `invalid_binding_message` (CIBA Core 1.0 §13); `description` names the rule. */
export function invalidBindingMessage(description: string): OAuthError {
  return ofInput('invalid_binding_message', description, description);
}

/**
 * 400 `invalid_request` (RFC 6749 §5.2): the request itself is malformed (a parameter missing,
 * repeated, too long or of the wrong form). The caller's own request is refused, so `description`
 * names the parameter and the rule and is also the detail unless a more private one is given; it
 * must never hold a secret nor say anything about a client or a credential beyond what the request
 * itself shows. 413 for a body over the limit.
 */
export function invalidRequest(description: string, detail = description, status: 400 | 413 = 400): OAuthError {
  return ofInput('invalid_request', description, detail, status);
}

/**
 * `invalid_request` for a request the HTTP framework refused before our code read it (its error's
 * `code` and `statusCode`): 413 for a body over the limit, 400 with the fixed description for any
 * other client error, since no parameter can be named. Undefined for anything that is not a
 * refusal of the request (then it is ours: `server_error`).
 */
export function requestRefusedUnread(error: unknown): OAuthError | undefined {
  const { code, statusCode } = (error ?? {}) as { code?: unknown; statusCode?: unknown };
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') return invalidRequest('The request body is too large.', 'body too large', 413);
  if (typeof statusCode !== 'number' || statusCode < 400 || statusCode >= 500) return undefined;
  return invalidRequest(PROTOCOL_ERRORS.invalid_request.description, `request rejected: ${typeof code === 'string' ? code : statusCode}`);
}

/** 401 `invalid_client` with the challenge RFC 6749 §5.2 asks for. */
export function invalidClient(detail: string): OAuthError {
  // RFC 6749 §5.2 allows 400 unless Basic was tried; a uniform 401 with a challenge leaks nothing
  // about which method the server expected.
  return fixed('invalid_client', detail, { 'www-authenticate': 'Basic realm="agentauth"' });
}

/**
 * 401 `invalid_client` where the only client credential is the TLS client certificate (renewal at
 * the CA, RFC 8705 §2): the fixed text says which credential is required, and the challenge offers
 * the other way in, a bearer token.
 */
export function invalidClientCertificate(detail: string): OAuthError {
  const description = 'a valid, unrevoked certificate of an active agent, issued by this CA, is required';
  return new OAuthError('invalid_client', 401, description, detail, { 'www-authenticate': 'Bearer realm="agentauth"' });
}

/** 400 `invalid_grant`: a grant's own credential is refused (RFC 6749 §5.2; RFC 7523 §3.1; an enrolment token). */
export function invalidGrant(detail: string): OAuthError {
  return fixed('invalid_grant', detail);
}

/** 400 `unauthorized_client`: the client may not use this grant (RFC 6749 §5.2), or revoke another client's token (RFC 7009 §2.1). */
export function unauthorizedClient(detail: string): OAuthError {
  return fixed('unauthorized_client', detail);
}

/** 400 `unsupported_grant_type` (RFC 6749 §5.2). */
export function unsupportedGrantType(detail: string): OAuthError {
  return fixed('unsupported_grant_type', detail);
}

/** 400 `invalid_scope` (RFC 6749 §5.2): a scope the client named, and the rule it broke. */
export function invalidScope(description: string, detail = description): OAuthError {
  return ofInput('invalid_scope', description, detail);
}

/** 400 `invalid_target` (RFC 8707 §2): a resource or audience the client named, and the rule it broke. */
export function invalidTarget(description: string, detail = description): OAuthError {
  return ofInput('invalid_target', description, detail);
}

/**
 * 401 `invalid_token` (RFC 6750 §3.1) with its challenge; `presented: false` when no credential was
 * sent at all, which RFC 6750 §3.1 answers with a bare `Bearer` challenge.
 */
export function invalidToken(detail: string, presented = true): OAuthError {
  return fixed('invalid_token', detail, { 'www-authenticate': presented ? 'Bearer error="invalid_token"' : 'Bearer' });
}

/** 403 `insufficient_scope` (RFC 6750 §3.1): a valid token without `scope`, which the challenge names. */
export function insufficientScope(scope: string, detail: string): OAuthError {
  return fixed('insufficient_scope', detail, { 'www-authenticate': `Bearer error="insufficient_scope", scope="${scope}"` });
}

/** 400 `invalid_client_metadata` (RFC 7591 §3.2.2): the metadata field and the rule it broke. */
export function invalidClientMetadata(description: string, detail = description): OAuthError {
  return ofInput('invalid_client_metadata', description, detail);
}

/** 400 `invalid_redirect_uri` (RFC 7591 §3.2.2). */
export function invalidRedirectUri(description: string): OAuthError {
  return ofInput('invalid_redirect_uri', description, description);
}

/** 400 `invalid_dpop_proof` (RFC 9449 §5, §7.1), with the current `DPoP-Nonce` when nonces are on. */
export function invalidDpopProof(detail: string, headers: Readonly<Record<string, string>> = {}): OAuthError {
  return fixed('invalid_dpop_proof', detail, headers);
}

/** 400 `use_dpop_nonce` (RFC 9449 §8); `headers` carry the `DPoP-Nonce` to use. */
export function useDpopNonce(detail: string, headers: Readonly<Record<string, string>>): OAuthError {
  return fixed('use_dpop_nonce', detail, headers);
}

/** 500 `server_error`: anything unexpected; nothing more is said. */
export function serverError(detail: string): OAuthError {
  return fixed('server_error', detail);
}

/** 503 `temporarily_unavailable` (RFC 6749 §4.1.2.1) with `Retry-After` (RFC 9110 §10.2.3). */
export function temporarilyUnavailable(detail: string, retryAfter: number, headers: Readonly<Record<string, string>> = {}): OAuthError {
  return fixed('temporarily_unavailable', detail, { ...headers, 'retry-after': String(retryAfter) });
}

/** 400 `invalid_csr`: the CSR was refused; `csrError` is the machine-readable reason (docs/ca.md). */
export function invalidCsr(description: string, csrError: string): OAuthError {
  const { status } = PROTOCOL_ERRORS.invalid_csr;
  return new OAuthError('invalid_csr', status, description, `${csrError}: ${description}`, {}, { csr_error: csrError });
}

/** 403 `access_denied`: the agent may not be issued certificates (suspended or deleted meanwhile). */
export function accessDenied(detail: string): OAuthError {
  return fixed('access_denied', detail);
}

/** 404 `not_found`: what the caller named (a stream, a CA) does not exist for it. */
export function notFound(description: string, detail = description): OAuthError {
  return ofInput('not_found', description, detail);
}

/**
 * 403 `forbidden`: the receiver may not do this (SSF 1.0 §8.1). A refusal that is about the
 * receiver's own streams (it holds too many) may say so in `description`, so the receiver can act.
 */
export function forbidden(detail: string, description?: string): OAuthError {
  return description === undefined ? fixed('forbidden', detail) : ofInput('forbidden', description, detail);
}

/** 429 `too_many_requests` with `Retry-After` (RFC 6585 §4). */
export function tooManyRequests(detail: string, retryAfter: number): OAuthError {
  return fixed('too_many_requests', detail, { 'retry-after': String(retryAfter) });
}

/**
 * 429 `temporarily_unavailable` with `Retry-After` (RFC 6585 §4): a failed-authentication limit
 * was reached (docs/oauth.md, "Failed authentication limits"). RFC 6749 names
 * `temporarily_unavailable` (§4.1.2.1) for a server that cannot handle the request for now, and
 * no registered code says more; RFC 8628's `slow_down` belongs to device-code polling.
 *
 * `failure` is the failed authentication this request was, when it was checked at all: it is
 * audited as such. Without it the request was refused unchecked and writes no audit record (the
 * limit's `rate_limit.exceeded` record stands for all of them).
 */
export class TooManyFailuresError extends OAuthError {
  constructor(
    readonly retryAfter: number,
    readonly failure?: OAuthError,
  ) {
    super('temporarily_unavailable', 429, PROTOCOL_ERRORS.temporarily_unavailable.description, failure === undefined ? 'refused unchecked: past a failure limit' : `past a failure limit after ${failure.code}: ${failure.detail}`, {
      'retry-after': String(retryAfter),
    });
  }
}
