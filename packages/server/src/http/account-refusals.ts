import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../clock.js';
import { errorPage } from './people-pages.js';

/** What a refused account request is audited with. */
export interface AccountRefusalDeps {
  audit: Pick<AuditLog, 'record'>;
  clock: Clock;
}

/**
 * A signed-in person's form or call without its CSRF token (docs/people.md, "Sessions and the
 * sign-in pages", CSRF): audited as `authorization.denied` (the method and path, never a token),
 * answered 403 as a page or as JSON, and nothing changes.
 */
export async function refuseCsrf(deps: AccountRefusalDeps, request: FastifyRequest, reply: FastifyReply, as: 'page' | 'json'): Promise<FastifyReply> {
  await deps.audit.record({
    time: deps.clock.now(),
    event: 'authorization.denied',
    outcome: 'failure',
    agentId: null,
    actor: null,
    sourceIp: request.ip,
    reason: `CSRF token missing or wrong on ${request.method} ${request.url.split('?')[0] ?? ''}`,
    requestId: request.id,
    details: {},
  });
  if (as === 'json') return reply.code(403).type('application/json').send({ error: 'CSRF token missing or wrong' });
  return reply
    .code(403)
    .type('text/html; charset=utf-8')
    .send(errorPage('Request refused', 'This form has expired or did not come from this site. Go back, reload the page and try again.'));
}

/**
 * The error page of an account plugin: a 4xx the request caused says it was malformed; anything
 * else is logged and shown as a plain 500, with no detail.
 */
export function renderAccountErrors(app: FastifyInstance, name: string): void {
  app.setErrorHandler(async (error, request, reply) => {
    const status = typeof (error as { statusCode?: unknown }).statusCode === 'number' ? (error as { statusCode: number }).statusCode : 500;
    if (status >= 500) request.log.error({ err: error, reqId: request.id }, `${name}: unexpected error`);
    return reply
      .code(status >= 400 && status < 500 ? status : 500)
      .type('text/html; charset=utf-8')
      .send(errorPage('Something went wrong', status < 500 ? 'The request was malformed.' : 'The server could not complete the request.'));
  });
}
