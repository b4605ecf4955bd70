import { checkTokenResponse, type TokenResponse } from '@agentauth/protocol';

import { OAuthClientError } from '../oauth-client-error.js';
import { UnexpectedResponseError } from '../unexpected-response-error.js';

/** RFC 6749 §5.2: `error` and `error_description` use %x20-21 / %x23-5B / %x5D-7E only. */
const ERROR_CHARS = /^[\x20\x21\x23-\x5B\x5D-\x7E]*$/;
const MAX_ERROR_FIELD = 1024;

/**
 * An RFC 6749 §5.2 error body as an {@link OAuthClientError}, or an UnexpectedResponseError when
 * the body is not a valid error (so a proxy's HTML page never masquerades as an OAuth error).
 */
export function toOAuthError(body: Record<string, unknown>, status: number): Error {
  const { error, error_description: description } = body;
  const valid =
    typeof error === 'string' &&
    error !== '' &&
    error.length <= MAX_ERROR_FIELD &&
    ERROR_CHARS.test(error) &&
    (description === undefined || (typeof description === 'string' && description.length <= MAX_ERROR_FIELD && ERROR_CHARS.test(description)));
  if (!valid) {
    return new UnexpectedResponseError('ERR_UNEXPECTED_STATUS', `token request answered HTTP ${status} without a valid RFC 6749 §5.2 error`, status);
  }
  return new OAuthClientError(error, description as string | undefined, status);
}

/** Checks an RFC 6749 §5.1 (and RFC 8693 §2.2.1) successful token response. */
export function toTokenResponse(body: Record<string, unknown>, status: number): TokenResponse {
  const checked = checkTokenResponse(body);
  if (!checked.ok) throw new UnexpectedResponseError('ERR_TOKEN_RESPONSE_INVALID', checked.problem, status);
  return checked.response;
}
