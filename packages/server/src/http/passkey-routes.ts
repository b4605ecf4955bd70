import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../clock.js';
import { FormParameters } from '../oauth/form-parameters.js';
import type { PasskeyRegistration } from '../people/passkey-registration.js';
import type { PasskeySignIn } from '../people/passkey-sign-in.js';
import { safeReturnTo } from '../people/return-to.js';
import { readCookie } from '../people/session-cookie.js';
import { SESSION_COOKIE, type ResolvedSession, type Sessions } from '../people/sessions.js';
import type { Random } from '../random.js';
import { checkLoginCsrf, loginCsrf } from './login-csrf.js';
import { acceptPageForms } from './page-form-parser.js';
import { setPageHeaders } from './page-headers.js';
import { passkeysPage } from './passkey-pages.js';
import { PASSKEY_SCRIPT_SOURCE } from './passkey-script.js';
import { errorPage, PASSKEY_SCRIPT, signInPage } from './people-pages.js';
import { answerSignIn, csrfRefused, html, queryValue, REFUSED } from './sign-in-replies.js';

/** A form carrying a WebAuthn response: the attestation or assertion JSON, URL-encoded, fits in 32 KiB. */
const FORM_BODY_LIMIT = 32 * 1024;

/** What the passkey routes need. */
export interface PasskeyRoutesOptions {
  registration: PasskeyRegistration;
  passkeySignIn: PasskeySignIn;
  sessions: Sessions;
  audit: Pick<AuditLog, 'record'>;
  clock: Clock;
  random: Random;
  /** The upstream providers the sign-in page offers after a refusal; without it, none. */
  providers?: () => Promise<{ id: string; name: string }[]>;
}

/**
 * Passkeys (docs/people.md, "Passkeys"): the script, sign-in (`POST /login/passkey/options`, `POST
 * /login/passkey`) and a signed-in person's passkeys (`GET /account/passkeys`, `POST
 * /account/passkeys/options`, `POST /account/passkeys`, `POST /account/passkeys/remove`). An
 * encapsulated plugin with its own strict form parser and the pages' headers; every POST checks its
 * CSRF token first: the sign-in form's double-submit cookie before sign-in, the session's token after.
 */
export async function passkeyRoutes(app: FastifyInstance, opts: PasskeyRoutesOptions): Promise<void> {
  const { registration, passkeySignIn, sessions } = opts;

  acceptPageForms(app, FORM_BODY_LIMIT);
  app.addHook('onSend', async (_request, reply) => setPageHeaders(reply, { script: true }));
  app.setErrorHandler(async (error, request, reply) => {
    const status = typeof (error as { statusCode?: unknown }).statusCode === 'number' ? (error as { statusCode: number }).statusCode : 500;
    if (status >= 500) request.log.error({ err: error, reqId: request.id }, 'passkey pages: unexpected error');
    return html(reply, status >= 400 && status < 500 ? status : 500, errorPage('Something went wrong', status < 500 ? 'The request was malformed.' : 'The server could not complete the request.'));
  });

  const meta = (request: FastifyRequest) => ({ address: request.ip, requestId: request.id });
  const form = (request: FastifyRequest) => (request.body instanceof FormParameters ? request.body : undefined);
  const ctx = (request: FastifyRequest, live: ResolvedSession) => ({ actor: `user:${live.user.id}`, sourceIp: request.ip, requestId: request.id });

  app.get(PASSKEY_SCRIPT, async (_request, reply) => reply.type('text/javascript; charset=utf-8').send(PASSKEY_SCRIPT_SOURCE));

  app.post('/login/passkey/options', async (request, reply) => {
    const binding = checkLoginCsrf(request, form(request)?.get('csrf'));
    if (binding === undefined) return csrfRefused(opts, request, reply);
    const result = await passkeySignIn.options(binding, meta(request));
    if ('kind' in result) {
      if (result.kind === 'rate_limited') reply.header('retry-after', String(result.retryAfterSeconds));
      return reply.code(429).send({ error: 'too_many_attempts' });
    }
    return reply.send(result);
  });

  app.post('/login/passkey', async (request, reply) => {
    const fields = form(request);
    const binding = checkLoginCsrf(request, fields?.get('csrf'));
    if (fields === undefined || binding === undefined) return csrfRefused(opts, request, reply);
    const returnTo = safeReturnTo(fields.get('return_to'));
    const result = await passkeySignIn.signIn(binding, fields.get('response'), meta(request));
    const providers = (await opts.providers?.()) ?? [];
    return answerSignIn(reply, result, returnTo, () => signInPage(loginCsrf(request, reply, opts.random), returnTo, REFUSED, providers));
  });

  app.get('/account/passkeys', async (request, reply) => {
    const signedIn = await live(request);
    if (signedIn === undefined) return reply.redirect('/login?return_to=%2Faccount%2Fpasskeys', 303);
    const notice = queryValue(request, 'done');
    const ok = notice === 'added' ? 'The passkey was added.' : notice === 'removed' ? 'The passkey was removed.' : undefined;
    return html(reply, 200, passkeysPage(await registration.list(signedIn.user.id), sessions.csrfToken(signedIn.id), ok === undefined ? undefined : { ok }, registration.mayRegister(signedIn.user)));
  });

  app.post('/account/passkeys/options', async (request, reply) => {
    const signedIn = await checked(request);
    if (signedIn === undefined) return csrfRefused(opts, request, reply);
    const options = await registration.options(signedIn.user, signedIn.id);
    return options === undefined ? reply.code(403).send({ error: 'local_account_required' }) : reply.send(options);
  });

  app.post('/account/passkeys', async (request, reply) => {
    const signedIn = await checked(request);
    if (signedIn === undefined) return csrfRefused(opts, request, reply);
    const fields = form(request);
    const result = await registration.register(signedIn.user, signedIn.id, fields?.get('name'), fields?.get('response'), ctx(request, signedIn));
    if (result.kind === 'registered') return reply.redirect('/account/passkeys?done=added', 303);
    return html(reply, 400, passkeysPage(await registration.list(signedIn.user.id), sessions.csrfToken(signedIn.id), { error: result.message }, registration.mayRegister(signedIn.user)));
  });

  app.post('/account/passkeys/remove', async (request, reply) => {
    const signedIn = await checked(request);
    if (signedIn === undefined) return csrfRefused(opts, request, reply);
    if (await registration.remove(signedIn.user, form(request)?.get('credential_id'), ctx(request, signedIn))) return reply.redirect('/account/passkeys?done=removed', 303);
    return html(reply, 404, passkeysPage(await registration.list(signedIn.user.id), sessions.csrfToken(signedIn.id), { error: 'You have no such passkey.' }, registration.mayRegister(signedIn.user)));
  });

  /** The signed-in session the cookie names, with its id, or undefined. */
  async function live(request: FastifyRequest): Promise<(ResolvedSession & { id: string }) | undefined> {
    const id = readCookie(request.headers.cookie, SESSION_COOKIE);
    const resolved = id === undefined ? undefined : await sessions.resolve(id, 'signed_in');
    return id === undefined || resolved === undefined ? undefined : { ...resolved, id };
  }

  /** `live`, for a POST whose form carries the session's CSRF token; undefined otherwise (a 403). */
  async function checked(request: FastifyRequest): Promise<(ResolvedSession & { id: string }) | undefined> {
    const id = readCookie(request.headers.cookie, SESSION_COOKIE);
    const fields = form(request);
    if (id === undefined || fields === undefined || !sessions.checkCsrf(id, fields.get('csrf'))) return undefined;
    return live(request);
  }
}

