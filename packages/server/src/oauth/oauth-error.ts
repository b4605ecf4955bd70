import type { OAuthErrorCode } from '@agentauth/protocol';

/**
 * An RFC 6749 §5.2 error. Two audiences (house rule 2, docs/errors.md): `description`
 * goes to the client and `detail`, the specific reason, only to the log and the audit record.
 *
 * The description is fixed (one of {@link DESCRIPTIONS}) for a failed authentication and anything
 * that is not the caller's own mistake, so it never says whether a client exists or which check
 * failed. When the caller's own input is refused (registration metadata, a scope or resource it
 * named) it names the field and the rule instead, so a developer can fix the call; it never holds
 * a secret. Either way it is made to fit RFC 6749 §5.2's character set ({@link errorDescription}).
 */
export class OAuthError extends Error {
  override readonly name = 'OAuthError';
  /** What the client reads in `error_description`: printable ASCII without `"` and `\`. */
  readonly description: string;
  constructor(
    readonly code: OAuthErrorCode,
    readonly status: number,
    description: string,
    /** Private reason for operators. Never sent to the client. Never contains a secret. */
    readonly detail: string,
    /** Extra response headers, e.g. `WWW-Authenticate` for 401 (RFC 6749 §5.2). */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(`${code}: ${detail}`);
    this.description = errorDescription(description);
  }
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

/** The fixed public descriptions, one per situation. */
export const DESCRIPTIONS = {
  invalidRequest: 'The request is missing a required parameter, includes an invalid parameter value, includes a parameter more than once, or is otherwise malformed.',
  invalidClient: 'Client authentication failed.',
  unsupportedGrantType: 'The authorization grant type is not supported by the authorization server.',
  unauthorizedClient: 'The authenticated client is not authorized to use this authorization grant type.',
  invalidScope: 'The requested scope is invalid, unknown, malformed, or exceeds the scope granted to the client.',
  invalidTarget: 'The requested resource is invalid, missing, unknown, or not allowed for this client.',
  unsupportedTokenType: 'The authorization server does not support the revocation of the presented token type.',
  invalidClientMetadata: 'The value of one of the client metadata fields is invalid.',
  invalidRedirectUri: 'The value of one or more redirection URIs is invalid.',
  invalidToken: 'The access token is invalid.',
  serverError: 'The authorization server encountered an unexpected condition.',
  tooManyFailures: 'Too many failed authentication attempts; retry after the number of seconds in Retry-After.',
} as const;

/** 401 invalid_client with the challenge RFC 6749 §5.2 asks for. */
export function invalidClient(detail: string): OAuthError {
  // RFC 6749 §5.2 allows 400 unless Basic was tried; a uniform 401 with a challenge leaks nothing
  // about which method the server expected.
  return new OAuthError('invalid_client', 401, DESCRIPTIONS.invalidClient, detail, {
    'www-authenticate': 'Basic realm="agentauth"',
  });
}

/**
 * 400 `invalid_request`: the request itself is malformed (a parameter missing, repeated, too long
 * or of the wrong form). The caller's own request is refused, so `detail` names the parameter and
 * the rule and is also what the client reads; it must never hold a secret nor say anything about a
 * client or a credential beyond what the request itself shows.
 */
export function invalidRequest(detail: string): OAuthError {
  return new OAuthError('invalid_request', 400, detail, detail);
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
    super('temporarily_unavailable', 429, DESCRIPTIONS.tooManyFailures, failure === undefined ? 'refused unchecked: past a failure limit' : `past a failure limit after ${failure.code}: ${failure.detail}`, {
      'retry-after': String(retryAfter),
    });
  }
}
