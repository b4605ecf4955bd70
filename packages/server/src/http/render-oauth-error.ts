import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { errorBody, invalidRequest, OAuthError, requestRefusedUnread, serverError, temporarilyUnavailable } from '../oauth/oauth-error.js';
import { StorageUnavailableError } from '../store/ports/storage-unavailable-error.js';
import { NO_STORE_HEADERS } from '../oauth/oauth-request.js';

/**
 * The public OAuth surface's error handler (ARCHITECTURE.md, Errors): an `OAuthError` is rendered as RFC 6749
 * §5.2 JSON with its status and headers; its private detail goes to the log only. Framework errors
 * before our code runs (body too large, wrong content type, unparsable body) become the RFC's
 * `invalid_request`; storage that is unavailable is 503 `temporarily_unavailable`; anything else
 * is `server_error` with no stack, SQL or secret in the response.
 */
export function renderOAuthError(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return sendOAuthError(asOAuthError(error, request), request, reply);
}

/**
 * Storage that cannot be reached or written (`StorageUnavailableError`) as the protocol surfaces
 * answer it: 503 `temporarily_unavailable` with `Retry-After` (RFC 6749 §4.1.2.1 registers the
 * code; RFC 9110 §15.6.4 the status), never a 500. The one mapping for every protocol surface
 * (token, introspection, revocation, registration, enrolment, the CA and EST, signals).
 */
export function storageUnavailable(error: unknown): OAuthError | undefined {
  if (!(error instanceof StorageUnavailableError)) return undefined;
  return temporarilyUnavailable(error.message, error.retryAfterSeconds);
}

/**
 * Any error as the `OAuthError` it is answered with: itself, `invalid_request` for a request
 * fastify refused (413 for a body over the limit), `temporarily_unavailable` when storage is
 * unavailable, else `server_error`, logged with its stack here.
 */
export function asOAuthError(error: unknown, request: FastifyRequest): OAuthError {
  if (error instanceof OAuthError) return error;
  const unavailable = storageUnavailable(error);
  if (unavailable !== undefined) return unavailable;
  const code = (error as FastifyError | undefined)?.code;
  if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    return invalidRequest('Unsupported Content-Type: send application/x-www-form-urlencoded (RFC 6749 section 3.2).', `request rejected: ${code}`);
  }
  // Malformed body, bad headers: client mistakes of the same kind.
  const refused = requestRefusedUnread(error);
  if (refused !== undefined) return refused;
  request.log.error({ err: error }, 'unexpected error on the OAuth surface');
  return serverError('unexpected error');
}

/** Sends `error` as RFC 6749 §5.2 JSON, logging its private detail. */
export function sendOAuthError(error: OAuthError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  // A refusal past a failure limit is one of many an attacker sends: its limit is logged and
  // audited once (rate_limit.exceeded), not each request.
  if (error.status === 429) request.log.debug({ err_code: error.code, detail: error.detail }, 'oauth request refused');
  else request.log.info({ err_code: error.code, detail: error.detail }, 'oauth request refused');
  return reply.code(error.status).headers({ ...NO_STORE_HEADERS, ...error.headers }).type('application/json').send(errorBody(error));
}
