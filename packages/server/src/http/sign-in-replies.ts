import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../clock.js';
import { sessionCookie } from '../people/session-cookie.js';
import type { SignInResult } from '../people/sign-in.js';
import { errorPage } from './people-pages.js';

/** The one answer to every refused sign-in step, whatever failed (docs/people.md, "Lockout and rate limits"). */
export const REFUSED = 'The email, password or code is not right, or this account cannot sign in now.';

/** An HTML page with its status. */
export function html(reply: FastifyReply, status: number, body: string): FastifyReply {
  return reply.code(status).type('text/html; charset=utf-8').send(body);
}

/** A form without its CSRF token, or with another: refused before anything else, audited. */
export async function csrfRefused(deps: { audit: Pick<AuditLog, 'record'>; clock: Clock }, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  await deps.audit.record({
    time: deps.clock.now(),
    event: 'user_login.failed',
    outcome: 'failure',
    agentId: null,
    actor: null,
    sourceIp: request.ip,
    reason: `CSRF token missing or wrong on POST ${request.url.split('?')[0] ?? ''}`,
    requestId: request.id,
    details: {},
  });
  return html(reply, 403, errorPage('Request refused', 'This form has expired or did not come from this site. Go back, reload the page and try again.'));
}

/** The browser's answer to a sign-in step: the session cookie and where to go, the second factor, the wait, or `refused()`'s page. */
export function answerSignIn(reply: FastifyReply, result: SignInResult, returnTo: string, refused: () => string): FastifyReply {
  switch (result.kind) {
    case 'signed_in':
      reply.header('set-cookie', sessionCookie(result.sessionId));
      return reply.redirect(returnTo, 303);
    case 'mfa':
      reply.header('set-cookie', sessionCookie(result.sessionId));
      return reply.redirect(`/login/totp?return_to=${encodeURIComponent(returnTo)}`, 303);
    case 'rate_limited':
      reply.header('retry-after', String(result.retryAfterSeconds));
      return html(reply, 429, errorPage('Too many attempts', `Too many failed sign-ins from this address. Try again in ${result.retryAfterSeconds} seconds.`));
    case 'refused':
      return html(reply, 401, refused());
  }
}

/** A query parameter sent once, or undefined. */
export function queryValue(request: FastifyRequest, name: string): string | undefined {
  const value = (request.query as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : undefined;
}
