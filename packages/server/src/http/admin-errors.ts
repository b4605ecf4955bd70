import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import { AgentError } from '../agents/agent-error.js';
import { KeyImportError } from '../imported-keys/key-import-error.js';
import { FederationError } from '../federation/federation-error.js';
import { UserError } from '../people/user-error.js';
import { PolicyError } from '../policy/policy-error.js';
import { RotationTooSoonError } from '../keys/rotation-too-soon-error.js';
import { StorageUnavailableError } from '../store/ports/storage-unavailable-error.js';
import { AdminProblem, PROBLEM_MEDIA_TYPE, problemBody, problemCodeOf } from '../admin/problem.js';
import { ADMIN_PROBLEMS, type AdminProblemCode } from '../admin/problem-codes.js';

/**
 * Sends an RFC 9457 problem (`application/problem+json`) with the status fixed by `code`, and any
 * extension members (RFC 9457 §3.2), such as the `problems` of `policy_invalid`.
 */
export function sendProblem(reply: FastifyReply, code: AdminProblemCode, detail: string, headers: Readonly<Record<string, string>> = {}, extensions: Readonly<Record<string, unknown>> = {}): FastifyReply {
  return reply
    .code(ADMIN_PROBLEMS[code].status)
    .headers(headers)
    .type(PROBLEM_MEDIA_TYPE)
    .send({ ...extensions, ...problemBody(code, detail) });
}

/** Most Cedar problems one answer lists (a large file full of errors says the first ones). */
const MAX_POLICY_PROBLEMS = 100;

/** Fastify's own request errors, by code, and what they mean to an admin client. */
const FASTIFY_ERRORS: Readonly<Record<string, [AdminProblemCode, string]>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: ['payload_too_large', 'the request body exceeds 64 KiB'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: ['unsupported_media_type', 'request bodies must be application/json'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: ['malformed_json', 'the request body does not match its Content-Length'],
  FST_ERR_CTP_EMPTY_JSON_BODY: ['malformed_json', 'the request body is empty'],
  FST_ERR_CTP_INVALID_JSON_BODY: ['malformed_json', 'the request body is not valid JSON'],
};

/**
 * A member name worth repeating in a detail: snake_case, as every member of this API is. Anything
 * else (a pasted token used as a key, mixed-case random text) is not repeated.
 */
const MEMBER_NAME = /^[a-z][a-z0-9_]{0,63}$/;

/**
 * Ajv's message names the field and the rule, never the value, so it is safe to return; where it
 * stops short of what the caller needs to fix the call, the rule's own terms are added: the unknown
 * member (its name, when it looks like one), or the values a closed list allows.
 */
function validationDetail(message: string, validation: unknown): string {
  const first = (Array.isArray(validation) ? validation[0] : undefined) as { keyword?: unknown; params?: Record<string, unknown> } | undefined;
  const params = first?.params ?? {};
  let detail = message;
  if (first?.keyword === 'additionalProperties') {
    const member = params['additionalProperty'];
    detail += typeof member === 'string' && MEMBER_NAME.test(member) ? `: ${member}` : '';
  } else if (first?.keyword === 'enum' && Array.isArray(params['allowedValues'])) {
    detail += `: ${params['allowedValues'].map(String).join(', ')}`;
  }
  return detail.slice(0, 500);
}

interface FastifyLikeError {
  code?: unknown;
  statusCode?: unknown;
  validation?: unknown;
  message?: unknown;
}

/** What an admin request is answered with when it fails: a problem code, its detail and headers. */
export interface AdminRefusal {
  code: AdminProblemCode;
  /** Says what to fix; safe for the administrator (names the field and the rule, never a secret). */
  detail: string;
  headers: Readonly<Record<string, string>>;
  /** What the audit record says instead of `detail`, when it knows more than the caller may (a deciding policy). */
  auditDetail?: string;
  /** Extension members of the problem (RFC 9457 §3.2). */
  extensions?: Readonly<Record<string, unknown>>;
}

/**
 * What the admin API answers an error with (ARCHITECTURE.md, Errors: a fixed title for the client, the detail
 * for the operator). Known refusals keep their own problem code; fastify's validation and body
 * errors map onto the closed list; storage that cannot be reached or written is 503
 * `storage_unavailable` with `Retry-After`; anything else is `internal_error` with a fixed
 * detail, logged here with its stack, which never leaves the server.
 */
export function adminRefusalOf(error: unknown, request: FastifyRequest, deps: { logger: Pick<Logger, 'error'>; clock: Clock }): AdminRefusal {
  const refusal = (code: AdminProblemCode, detail: string, headers: Readonly<Record<string, string>> = {}): AdminRefusal => ({ code, detail, headers });
  if (error instanceof AdminProblem) return refusal(error.code, error.detail, error.headers);
  if (error instanceof AgentError && error.auditDetail !== undefined) return { ...refusal(problemCodeOf(error.code), error.message), auditDetail: error.auditDetail };
  if (error instanceof AgentError || error instanceof FederationError || error instanceof UserError) return refusal(problemCodeOf(error.code), error.message);
  if (error instanceof KeyImportError) return { code: 'validation_failed', detail: error.message, headers: {}, extensions: { lines: error.lines } };
  if (error instanceof PolicyError) {
    const problems = error.problems.slice(0, MAX_POLICY_PROBLEMS).map((p) => ({ policy_id: p.policyId, line: p.line, column: p.column, message: p.message.slice(0, 1000) }));
    return { code: error.code, detail: error.message, headers: {}, ...(problems.length > 0 ? { extensions: { problems } } : {}) };
  }
  if (error instanceof RotationTooSoonError) {
    const seconds = Math.max(1, Math.ceil((error.readyAt - deps.clock.now()) / 1000));
    return refusal('rotation_too_soon', `the prepared key may sign from ${new Date(error.readyAt).toISOString()}; retry then, or pass "force": true`, {
      'retry-after': String(seconds),
    });
  }
  if (error instanceof StorageUnavailableError) {
    // Logged without a stack: it is the database's state, not a fault of ours.
    deps.logger.error({ reqId: request.id, storage: error.message }, 'admin API: storage unavailable');
    return refusal('storage_unavailable', 'the database cannot be reached or written for now; retry after the seconds in Retry-After', {
      'retry-after': String(error.retryAfterSeconds),
    });
  }
  const e = (typeof error === 'object' && error !== null ? error : {}) as FastifyLikeError;
  if (e.validation !== undefined && typeof e.message === 'string') return refusal('validation_failed', validationDetail(e.message, e.validation));
  if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE' && request.routeOptions.bodyLimit > 64 * 1024) {
    return refusal('payload_too_large', `the request body exceeds ${Math.floor(request.routeOptions.bodyLimit / 1024)} KiB`);
  }
  const known = typeof e.code === 'string' ? FASTIFY_ERRORS[e.code] : undefined;
  if (known !== undefined) return refusal(known[0], known[1]);
  if (error instanceof SyntaxError) return refusal('malformed_json', 'the request body is not valid JSON');
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    if (e.statusCode === 404) return refusal('not_found', 'no such admin API route');
    return refusal('validation_failed', 'the request is malformed');
  }
  deps.logger.error({ err: error, reqId: request.id }, 'admin API: unexpected error');
  return refusal('internal_error', 'the server could not complete the request; the operator has the details');
}
