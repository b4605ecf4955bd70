import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AnswerRefusal, ApprovalService, PendingApproval } from '../approvals/approval-service.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../clock.js';
import { readCookie } from '../people/session-cookie.js';
import { SESSION_COOKIE, type Sessions } from '../people/sessions.js';
import { refuseCsrf } from './account-refusals.js';
import { setPageHeaders } from './page-headers.js';

/** An answer is `{decision, reason}`: 4 KiB bounds it. */
const JSON_BODY_LIMIT = 4 * 1024;

export interface ApprovalApiRoutesOptions {
  approvals: Pick<ApprovalService, 'pendingFor' | 'pastFor' | 'answer'>;
  sessions: Sessions;
  audit: Pick<AuditLog, 'record'>;
  clock: Clock;
}

/** A refused answer's status and words, by the service's refusal. */
const REFUSALS: Record<AnswerRefusal, { status: number; error: string }> = {
  not_found: { status: 404, error: 'there is no such approval for you' },
  role: { status: 403, error: 'your role lets you read approvals, not answer them' },
  separation_of_duties: { status: 403, error: 'you own this agent: someone else must approve its requests' },
  answered: { status: 409, error: 'this request was already answered' },
  expired: { status: 409, error: 'this request expired before your answer: it is denied' },
  reason: { status: 400, error: 'the reason must be at most 200 characters, without control characters' },
};

/**
 * The approval inbox as JSON for the console (docs/approvals.md, "The approval inbox API"), on the
 * approval page's model: a signed-in session (401 without one), the session's CSRF token in
 * `X-CSRF-Token` on the answer (403 and an `authorization.denied` record without it), and the same
 * service, so an answer here is checked and audited exactly as one on the page.
 *
 * - `GET /account/api/approvals`: `{pending, history}` for the signed-in person.
 * - `POST /account/api/approvals/{id}/answer` `{"decision": "approve" | "deny", "reason"?}`:
 *   200 with the answered approval; 404 not the person's (or none), 403 the role or separation of
 *   duties forbids it, 409 already answered or expired, 400 a bad body or reason.
 */
export async function approvalApiRoutes(app: FastifyInstance, opts: ApprovalApiRoutesOptions): Promise<void> {
  const { sessions, approvals } = opts;
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: JSON_BODY_LIMIT }, (_request, body, done) => {
    try {
      done(null, JSON.parse(typeof body === 'string' ? body : body.toString('utf8')) as unknown);
    } catch {
      done(Object.assign(new Error('malformed JSON'), { statusCode: 400 }), undefined);
    }
  });
  app.addHook('onSend', async (_request, reply) => setPageHeaders(reply));
  app.setErrorHandler(async (error, request, reply) => {
    const status = typeof (error as { statusCode?: unknown }).statusCode === 'number' ? (error as { statusCode: number }).statusCode : 500;
    if (status >= 500) request.log.error({ err: error, reqId: request.id }, 'approval API: unexpected error');
    return json(reply, status >= 400 && status < 500 ? status : 500, { error: status < 500 ? 'the request was malformed' : 'the server could not complete the request' });
  });
  const sessionId = (request: FastifyRequest) => readCookie(request.headers.cookie, SESSION_COOKIE);

  app.get('/account/api/approvals', async (request, reply) => {
    const live = await sessions.resolve(sessionId(request), 'signed_in');
    if (live === undefined) return json(reply, 401, { error: 'not signed in' });
    const [pending, history] = await Promise.all([approvals.pendingFor(live.user), approvals.pastFor(live.user)]);
    return json(reply, 200, { pending: pending.map(approvalJson), history: history.map(approvalJson) });
  });

  app.post('/account/api/approvals/:id/answer', async (request, reply) => {
    const id = sessionId(request);
    const header = request.headers['x-csrf-token'];
    if (id === undefined || typeof header !== 'string' || !sessions.checkCsrf(id, header)) return refuseCsrf(opts, request, reply, 'json');
    const live = await sessions.resolve(id, 'signed_in');
    if (live === undefined) return json(reply, 401, { error: 'not signed in' });
    const body = request.body as { decision?: unknown; reason?: unknown } | undefined;
    const decision = body?.decision;
    const reason = body?.reason;
    if ((decision !== 'approve' && decision !== 'deny') || (reason !== undefined && typeof reason !== 'string')) {
      return json(reply, 400, { error: 'send {"decision": "approve" | "deny", "reason": "..."}' });
    }
    const approvalId = (request.params as { id: string }).id;
    const result = await approvals.answer(live.user, approvalId, decision, reason, { sourceIp: request.ip, requestId: request.id }, opts.audit);
    if (!result.ok) {
      const refused = REFUSALS[result.refusal];
      return json(reply, refused.status, { error: refused.error, code: result.refusal });
    }
    return json(reply, 200, approvalJson({ approval: result.approval, agent: undefined }));
  });
}

function json(reply: FastifyReply, status: number, body: unknown): FastifyReply {
  return reply.code(status).type('application/json; charset=utf-8').send(JSON.stringify(body));
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** An approval as the console shows it: never the `auth_req_id` (only its hash is kept) nor a ping secret. */
export function approvalJson({ approval: a, agent }: PendingApproval): Record<string, unknown> {
  return {
    id: a.id,
    status: a.status,
    agent: { id: a.agentId, name: agent?.name ?? null, owner: agent?.owner ?? null },
    approver: a.approver,
    binding_message: a.bindingMessage,
    resource: a.resource,
    scopes: a.scopes,
    authorization_details: a.authorizationDetails,
    reason: a.reason,
    decided_by: a.decidedBy,
    decided_at: iso(a.decidedAt),
    created_at: iso(a.createdAt),
    expires_at: iso(a.expiresAt),
  };
}
