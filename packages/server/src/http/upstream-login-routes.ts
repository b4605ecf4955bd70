import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { safeReturnTo } from '../people/return-to.js';
import { hostCookie, readCookie, sessionCookie } from '../people/session-cookie.js';
import { LOGIN_REQUEST_MS, type UpstreamSignIn } from '../people/upstream-sign-in.js';
import { setPageHeaders } from './page-headers.js';
import { errorPage } from './people-pages.js';

/**
 * The cookie that binds a sign-in's `state` to the browser that started it (RFC 9700 §4.7.1), so
 * a callback URL planted in another browser (login CSRF) is refused. `__Host-` prefixed and
 * `SameSite=Lax`: it comes back on the OP's top-level redirect, and on nothing cross-site else.
 */
const STATE_COOKIE = '__Host-agentauth-oidc-state';

/** The longest callback query read: a code, a state, `iss` and a session state fit many times over. */
const MAX_QUERY = 4096;

const FAILED = 'Signing in through your identity provider did not succeed. Start again from the sign-in page.';

/**
 * `GET /login/oidc/{provider}` and `GET /login/oidc/{provider}/callback` (docs/people.md,
 * "Sign-in with your identity provider"), with the pages' security headers. A refusal is one
 * page, whatever failed; the reason is in the audit record.
 */
export async function upstreamLoginRoutes(app: FastifyInstance, opts: { upstream: UpstreamSignIn }): Promise<void> {
  const { upstream } = opts;
  app.addHook('onSend', async (_request, reply) => setPageHeaders(reply));
  app.setErrorHandler(async (error, request, reply) => {
    request.log.error({ err: error, reqId: request.id }, 'upstream sign-in: unexpected error');
    return html(reply, 500, errorPage('Something went wrong', 'The server could not complete the request.'));
  });
  const meta = (request: FastifyRequest) => ({ address: request.ip, requestId: request.id });

  app.get<{ Params: { provider: string } }>('/login/oidc/:provider', async (request, reply) => {
    const returnTo = safeReturnTo(queryValue(request, 'return_to'));
    const started = await upstream.start(request.params.provider, returnTo, meta(request));
    if (started.kind === 'refused') {
      return html(reply, started.status, errorPage(started.status === 404 ? 'No such sign-in' : 'Identity provider unavailable', started.status === 404 ? 'This sign-in option does not exist.' : 'The identity provider cannot be reached now. Try again later.'));
    }
    reply.header('set-cookie', hostCookie(STATE_COOKIE, started.state, LOGIN_REQUEST_MS / 1000));
    return reply.redirect(started.url, 303);
  });

  app.get<{ Params: { provider: string } }>('/login/oidc/:provider/callback', async (request, reply) => {
    const at = request.url.indexOf('?');
    const query = at < 0 ? '' : request.url.slice(at + 1);
    // The state cookie is spent whatever happens: a pending sign-in is tried once.
    reply.header('set-cookie', hostCookie(STATE_COOKIE, '', 0));
    if (query.length > MAX_QUERY) return html(reply, 400, errorPage('Sign-in failed', FAILED));
    const result = await upstream.finish(request.params.provider, query, readCookie(request.headers.cookie, STATE_COOKIE), meta(request));
    switch (result.kind) {
      case 'signed_in':
        // Appended to the state cookie's deletion above: fastify keeps every Set-Cookie.
        reply.header('set-cookie', sessionCookie(result.sessionId));
        return reply.redirect(result.returnTo, 303);
      case 'rate_limited':
        reply.header('retry-after', String(result.retryAfterSeconds));
        return html(reply, 429, errorPage('Too many attempts', `Too many failed sign-ins from this address. Try again in ${result.retryAfterSeconds} seconds.`));
      case 'refused':
        return html(reply, 401, errorPage('Sign-in failed', FAILED));
    }
  });
}

function html(reply: FastifyReply, status: number, body: string): FastifyReply {
  return reply.code(status).type('text/html; charset=utf-8').send(body);
}

function queryValue(request: FastifyRequest, name: string): string | undefined {
  const value = (request.query as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : undefined;
}
