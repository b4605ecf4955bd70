import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import { AgentError } from '../agents/agent-error.js';
import { RotationTooSoonError } from '../keys/rotation-too-soon-error.js';
import { AdminProblem, PROBLEM_MEDIA_TYPE, problemBody, problemCodeOf } from '../admin/problem.js';
import { ADMIN_PROBLEMS, type AdminProblemCode } from '../admin/problem-codes.js';

/** Sends an RFC 9457 problem (`application/problem+json`) with the status fixed by `code`. */
export function sendProblem(reply: FastifyReply, code: AdminProblemCode, detail: string, headers: Readonly<Record<string, string>> = {}): FastifyReply {
  return reply
    .code(ADMIN_PROBLEMS[code].status)
    .headers(headers)
    .type(PROBLEM_MEDIA_TYPE)
    .send(problemBody(code, detail));
}

/** Fastify's own request errors, by code, and what they mean to an admin client. */
const FASTIFY_ERRORS: Readonly<Record<string, [AdminProblemCode, string]>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: ['payload_too_large', 'the request body exceeds 64 KiB'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: ['unsupported_media_type', 'request bodies must be application/json'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: ['malformed_json', 'the request body does not match its Content-Length'],
  FST_ERR_CTP_EMPTY_JSON_BODY: ['malformed_json', 'the request body is empty'],
  FST_ERR_CTP_INVALID_JSON_BODY: ['malformed_json', 'the request body is not valid JSON'],
};

interface FastifyLikeError {
  code?: unknown;
  statusCode?: unknown;
  validation?: unknown;
  message?: unknown;
}

/**
 * The admin API's error handler (house rule 2: a fixed title for the client, the detail for the
 * operator). Known refusals render their own problem code; fastify's validation and body errors
 * map onto the closed list; anything else is `internal_error` with a fixed detail, logged with its
 * stack, which never leaves the server.
 */
export function renderAdminError(
  error: unknown,
  request: FastifyRequest,
  reply: FastifyReply,
  deps: { logger: Pick<Logger, 'error'>; clock: Clock },
): FastifyReply {
  if (error instanceof AdminProblem) return sendProblem(reply, error.code, error.detail, error.headers);
  if (error instanceof AgentError) return sendProblem(reply, problemCodeOf(error.code), error.message);
  if (error instanceof RotationTooSoonError) {
    const seconds = Math.max(1, Math.ceil((error.readyAt - deps.clock.now()) / 1000));
    return sendProblem(reply, 'rotation_too_soon', `the prepared key may sign from ${new Date(error.readyAt).toISOString()}; retry then, or pass "force": true`, {
      'retry-after': String(seconds),
    });
  }
  const e = (typeof error === 'object' && error !== null ? error : {}) as FastifyLikeError;
  if (e.validation !== undefined && typeof e.message === 'string') {
    // Ajv's messages name the field and the rule (never the value), so they are safe to return.
    return sendProblem(reply, 'validation_failed', e.message.slice(0, 500));
  }
  const known = typeof e.code === 'string' ? FASTIFY_ERRORS[e.code] : undefined;
  if (known !== undefined) return sendProblem(reply, known[0], known[1]);
  if (error instanceof SyntaxError) return sendProblem(reply, 'malformed_json', 'the request body is not valid JSON');
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    if (e.statusCode === 404) return sendProblem(reply, 'not_found', 'no such admin API route');
    return sendProblem(reply, 'validation_failed', 'the request is malformed');
  }
  deps.logger.error({ err: error, reqId: request.id }, 'admin API: unexpected error');
  return sendProblem(reply, 'internal_error', 'the server could not complete the request; the operator has the details');
}
