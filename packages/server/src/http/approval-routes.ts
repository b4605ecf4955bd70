import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { acceptPageForms } from './page-form-parser.js';
import type { ApprovalService, AnswerRefusal } from '../approvals/approval-service.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../clock.js';
import { FormParameters } from '../oauth/form-parameters.js';
import { readCookie } from '../people/session-cookie.js';
import { SESSION_COOKIE, type Sessions } from '../people/sessions.js';
import { approvalsPage } from './approval-pages.js';
import { setPageHeaders } from './page-headers.js';
import { errorPage } from './people-pages.js';

/** An answer form holds a CSRF token, an id, the answer and a short reason: 4 KiB bounds it. */
const FORM_BODY_LIMIT = 4 * 1024;

export interface ApprovalRoutesOptions {
  approvals: ApprovalService;
  sessions: Sessions;
  audit: Pick<AuditLog, 'record'>;
  clock: Clock;
}

/** What the page says after an answer, by outcome. */
const MESSAGES: Record<'approved' | 'denied' | AnswerRefusal, string> = {
  approved: 'Approved. The agent can now get a token for exactly this.',
  denied: 'Denied. The agent is told so.',
  not_found: 'There is no such approval for you.',
  role: 'Your role lets you read approvals, not answer them.',
  separation_of_duties: 'You own this agent: someone else must approve its requests.',
  answered: 'This request was already answered.',
  expired: 'This request expired before your answer: it is denied.',
  reason: 'The reason must be at most 200 characters, without control characters.',
};

/**
 * The approval page (docs/approvals.md, "The approval page"), with the sign-in pages' security
 * headers and a strict form parser: `GET /account/approvals` lists what the signed-in person may
 * answer; `POST /account/approvals/answer` (CSRF-checked) approves or denies one, with a reason.
 * People not signed in go to `/login` and come back. Every refusal is audited (by the service, or
 * here for a missing or wrong CSRF token).
 */
export async function approvalRoutes(app: FastifyInstance, opts: ApprovalRoutesOptions): Promise<void> {
  const { sessions } = opts;
  acceptPageForms(app, FORM_BODY_LIMIT);
  app.addHook('onSend', async (_request, reply) => setPageHeaders(reply));
  app.setErrorHandler(async (error, request, reply) => {
    const status = typeof (error as { statusCode?: unknown }).statusCode === 'number' ? (error as { statusCode: number }).statusCode : 500;
    if (status >= 500) request.log.error({ err: error, reqId: request.id }, 'approval pages: unexpected error');
    return html(reply, status >= 400 && status < 500 ? status : 500, errorPage('Something went wrong', status < 500 ? 'The request was malformed.' : 'The server could not complete the request.'));
  });
  const sessionId = (request: FastifyRequest) => readCookie(request.headers.cookie, SESSION_COOKIE);
  const toLogin = (reply: FastifyReply) => reply.redirect('/login?return_to=%2Faccount%2Fapprovals', 303);

  app.get('/account/approvals', async (request, reply) => {
    const id = sessionId(request);
    const live = await sessions.resolve(id, 'signed_in');
    if (id === undefined || live === undefined) return toLogin(reply);
    const said = (request.query as Record<string, unknown>)['said'];
    const message = typeof said === 'string' && said in MESSAGES ? MESSAGES[said as keyof typeof MESSAGES] : undefined;
    return html(reply, 200, approvalsPage(await opts.approvals.pendingFor(live.user), sessions.csrfToken(id), opts.clock.now(), message));
  });

  app.post('/account/approvals/answer', async (request, reply) => {
    const fields = request.body instanceof FormParameters ? request.body : undefined;
    const id = sessionId(request);
    if (fields === undefined || id === undefined || !sessions.checkCsrf(id, fields.get('csrf'))) {
      await opts.audit.record({
        time: opts.clock.now(),
        event: 'approval.refused',
        outcome: 'failure',
        agentId: null,
        actor: null,
        sourceIp: request.ip,
        reason: 'CSRF token missing or wrong on POST /account/approvals/answer',
        requestId: request.id,
        details: { step: 'answer' },
      });
      return html(reply, 403, errorPage('Request refused', 'This form has expired or did not come from this site. Go back, reload the page and try again.'));
    }
    const live = await sessions.resolve(id, 'signed_in');
    if (live === undefined) return toLogin(reply);
    const answer = fields.get('answer');
    if (answer !== 'approve' && answer !== 'deny') return html(reply, 400, errorPage('Request refused', 'Choose Approve or Deny.'));
    const result = await opts.approvals.answer(live.user, fields.get('id') ?? '', answer, fields.get('reason'), { sourceIp: request.ip, requestId: request.id }, opts.audit);
    const said = result.ok ? result.approval.status : result.refusal;
    return reply.redirect(`/account/approvals?said=${said}`, 303);
  });
}

function html(reply: FastifyReply, status: number, body: string): FastifyReply {
  return reply.code(status).type('text/html; charset=utf-8').send(body);
}
