import { acceptPageForms } from './page-form-parser.js';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../clock.js';
import { FormParameters } from '../oauth/form-parameters.js';
import { safeReturnTo } from '../people/return-to.js';
import { clearedSessionCookie, readCookie } from '../people/session-cookie.js';
import { checkLoginCsrf, loginCsrf } from './login-csrf.js';
import { SESSION_COOKIE, type Sessions } from '../people/sessions.js';
import type { SignIn } from '../people/sign-in.js';
import type { TotpEnrolment } from '../people/totp-enrolment.js';
import type { Random } from '../random.js';
import { setPageHeaders } from './page-headers.js';
import { answerSignIn, csrfRefused, html, queryValue, REFUSED } from './sign-in-replies.js';
import { accountPage, errorPage, PAGE_STYLE, signInPage, totpEnrolmentPage, totpPage } from './people-pages.js';

/** The routes whose pages may hold the sign-in form, and so the passkey button and its script. */
const PASSKEY_PAGES = new Set(['/login', '/login/totp']);

/** Sign-in forms are small: 8 KiB bounds every body. */
const FORM_BODY_LIMIT = 8 * 1024;

/** What the people routes need. */
export interface PeopleRoutesOptions {
  signIn: SignIn;
  sessions: Sessions;
  enrolment: TotpEnrolment;
  audit: Pick<AuditLog, 'record'>;
  clock: Clock;
  random: Random;
  /** The upstream providers the sign-in page offers; without it, none. */
  providers?: () => Promise<{ id: string; name: string }[]>;
}

/**
 * The human surface (docs/people.md): `GET|POST /login`, `GET|POST /login/totp`, `GET /account`,
 * `GET|POST /account/totp`, `POST /logout` and the pages' stylesheet. An encapsulated plugin: its
 * form parser (strict, 8 KiB, no repeated field) and its security headers apply to these routes
 * only. Every POST checks its CSRF token before it reads anything else.
 */
export async function peopleRoutes(app: FastifyInstance, opts: PeopleRoutesOptions): Promise<void> {
  const { signIn, sessions, enrolment } = opts;

  acceptPageForms(app, FORM_BODY_LIMIT);
  // The pages that may show the sign-in form offer a passkey, whose script needs its CSP.
  app.addHook('onSend', async (request, reply) => setPageHeaders(reply, { script: PASSKEY_PAGES.has(request.routeOptions.url ?? '') }));
  app.setErrorHandler(async (error, request, reply) => {
    const status = typeof (error as { statusCode?: unknown }).statusCode === 'number' ? (error as { statusCode: number }).statusCode : 500;
    if (status >= 500) request.log.error({ err: error, reqId: request.id }, 'sign-in pages: unexpected error');
    return html(reply, status >= 400 && status < 500 ? status : 500, errorPage('Something went wrong', status < 500 ? 'The request was malformed.' : 'The server could not complete the request.'));
  });

  const meta = (request: FastifyRequest) => ({ address: request.ip, requestId: request.id });
  const sessionId = (request: FastifyRequest) => readCookie(request.headers.cookie, SESSION_COOKIE);
  const form = (request: FastifyRequest) => (request.body instanceof FormParameters ? request.body : undefined);

  app.get('/login/style.css', async (_request, reply) => reply.type('text/css; charset=utf-8').send(PAGE_STYLE));

  app.get('/login', async (request, reply) => {
    const returnTo = safeReturnTo(queryValue(request, 'return_to'));
    if ((await sessions.resolve(sessionId(request), 'signed_in')) !== undefined) return reply.redirect(returnTo, 303);
    return html(reply, 200, signInPage(loginCsrf(request, reply, opts.random), returnTo, undefined, (await opts.providers?.()) ?? []));
  });

  app.post('/login', async (request, reply) => {
    const fields = form(request);
    const cookie = checkLoginCsrf(request, fields?.get('csrf'));
    if (fields === undefined || cookie === undefined) return csrfRefused(opts, request, reply);
    const returnTo = safeReturnTo(fields.get('return_to'));
    const result = await signIn.password(fields.get('email') ?? '', fields.get('password') ?? '', meta(request));
    const providers = (await opts.providers?.()) ?? [];
    return answerSignIn(reply, result, returnTo, () => signInPage(cookie, returnTo, REFUSED, providers));
  });

  app.get('/login/totp', async (request, reply) => {
    const id = sessionId(request);
    const returnTo = safeReturnTo(queryValue(request, 'return_to'));
    if (id === undefined || (await sessions.resolve(id, 'mfa')) === undefined) return reply.redirect(`/login?return_to=${encodeURIComponent(returnTo)}`, 303);
    return html(reply, 200, totpPage(sessions.csrfToken(id), returnTo));
  });

  app.post('/login/totp', async (request, reply) => {
    const fields = form(request);
    const id = sessionId(request);
    if (fields === undefined || id === undefined || !sessions.checkCsrf(id, fields.get('csrf'))) return csrfRefused(opts, request, reply);
    const returnTo = safeReturnTo(fields.get('return_to'));
    const result = await signIn.totp(id, fields.get('code') ?? '', meta(request));
    // After a refusal the stage may have timed out or its person been locked: then start again.
    const stillPending = result.kind === 'refused' && (await sessions.resolve(id, 'mfa')) !== undefined;
    return answerSignIn(reply, result, returnTo, () => (stillPending ? totpPage(sessions.csrfToken(id), returnTo, REFUSED) : signInPage(loginCsrf(request, reply, opts.random), returnTo, REFUSED)));
  });

  app.get('/account', async (request, reply) => {
    const id = sessionId(request);
    const live = await sessions.resolve(id, 'signed_in');
    if (id === undefined || live === undefined) return reply.redirect('/login?return_to=%2Faccount', 303);
    const { user } = live;
    const message = queryValue(request, 'totp') === 'on' ? 'Two-factor authentication is on.' : undefined;
    return html(reply, 200, accountPage({ name: user.name, email: user.email, roles: user.roles, totpEnrolled: user.totpSecret !== null, localAccount: user.passwordHash !== null }, sessions.csrfToken(id), message));
  });

  app.get('/account/totp', async (request, reply) => {
    const id = sessionId(request);
    const live = await sessions.resolve(id, 'signed_in');
    if (id === undefined || live === undefined) return reply.redirect('/login?return_to=%2Faccount%2Ftotp', 303);
    const offer = await enrolment.offer(live.user, { actor: `user:${live.user.id}`, sourceIp: request.ip, requestId: request.id });
    if (offer === undefined) return reply.redirect('/account', 303);
    return html(reply, 200, totpEnrolmentPage(offer, sessions.csrfToken(id)));
  });

  app.post('/account/totp', async (request, reply) => {
    const fields = form(request);
    const id = sessionId(request);
    if (fields === undefined || id === undefined || !sessions.checkCsrf(id, fields.get('csrf'))) return csrfRefused(opts, request, reply);
    const live = await sessions.resolve(id, 'signed_in');
    if (live === undefined) return reply.redirect('/login', 303);
    const ctx = { actor: `user:${live.user.id}`, sourceIp: request.ip, requestId: request.id };
    if (await enrolment.confirm(live.user, fields.get('code') ?? '', ctx)) return reply.redirect('/account?totp=on', 303);
    // A wrong code spends the offer: a fresh secret is shown, so one offer is never guessed at twice.
    const offer = await enrolment.offer(live.user, ctx);
    if (offer === undefined) return reply.redirect('/account', 303);
    return html(reply, 400, totpEnrolmentPage(offer, sessions.csrfToken(id), 'That code did not match; scan this new key and try again.'));
  });

  app.post('/logout', async (request, reply) => {
    const fields = form(request);
    const id = sessionId(request);
    if (fields === undefined || id === undefined || !sessions.checkCsrf(id, fields.get('csrf'))) return csrfRefused(opts, request, reply);
    const live = (await sessions.resolve(id, 'signed_in')) ?? (await sessions.resolve(id, 'mfa'));
    if (live !== undefined) {
      await sessions.end(id, [
        { time: opts.clock.now(), event: 'user_session.ended', outcome: 'success', agentId: null, actor: `user:${live.user.id}`, sourceIp: request.ip, reason: null, requestId: request.id, details: { user_id: live.user.id } },
      ]);
    }
    reply.header('set-cookie', clearedSessionCookie());
    return reply.redirect('/login', 303);
  });
}
