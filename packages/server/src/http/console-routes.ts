import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { readCookie } from '../people/session-cookie.js';
import { SESSION_COOKIE, type Sessions } from '../people/sessions.js';
import type { ConsoleAssets } from './console-assets.js';

/**
 * The console's Content-Security-Policy (CSP Level 3): scripts, styles, fonts and images from our
 * own origin only (never inline, never `eval`), `fetch` to our own origin only (the admin API),
 * forms post only to us (signing out), no `<base>`, no framing (`frame-ancestors 'none'`). The
 * built bundle has no inline script or style element; a style the UI sets at run time goes
 * through the CSSOM, which `style-src` does not govern.
 */
export const CONSOLE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/** What the console's routes need. */
export interface ConsoleRoutesOptions {
  /** The built console, or undefined when it was not built (the routes then say how to build it). */
  assets: ConsoleAssets | undefined;
  sessions: Pick<Sessions, 'resolve' | 'csrfToken'>;
}

/** What `GET /console/api/session` answers a signed-in person. */
export interface ConsoleSession {
  user: { id: string; email: string; name: string };
  roles: string[];
  /** The session's CSRF token, which every unsafe admin API call carries in `X-CSRF-Token`. */
  csrf_token: string;
}

/**
 * The console (docs/console.md): a single-page app the server serves at `/console`, on the same
 * origin as the admin API it calls with the person's session cookie.
 *
 * - `GET /console/assets/*` serves the built bundle's hashed files (immutable, a year's cache);
 * - `GET /console` and every other `GET /console/*` path serve the app's `index.html` (the app
 *   routes in the browser), never cached;
 * - `GET /console/api/session` tells the app who is signed in, their roles and the session's CSRF
 *   token: 401 without a live session. Only a page of our own origin can read it (no CORS), which
 *   is what keeps the token from other sites (OWASP CSRF Prevention Cheat Sheet, synchronizer
 *   token).
 *
 * The app keeps nothing in `localStorage` or `sessionStorage`: the session is the HttpOnly cookie.
 */
export async function consoleRoutes(app: FastifyInstance, opts: ConsoleRoutesOptions): Promise<void> {
  app.addHook('onSend', async (_request, reply) => {
    reply.header('content-security-policy', CONSOLE_CSP);
    reply.header('x-frame-options', 'DENY');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('x-content-type-options', 'nosniff');
    reply.header('cross-origin-opener-policy', 'same-origin');
    if (reply.getHeader('cache-control') === undefined) reply.header('cache-control', 'no-store');
  });

  app.get('/console/api/session', async (request, reply) => {
    const id = readCookie(request.headers.cookie, SESSION_COOKIE);
    const live = await opts.sessions.resolve(id, 'signed_in');
    if (id === undefined || live === undefined) return reply.code(401).type('application/json').send({ error: 'not signed in' });
    const { user } = live;
    const body: ConsoleSession = { user: { id: user.id, email: user.email, name: user.name }, roles: [...user.roles], csrf_token: opts.sessions.csrfToken(id) };
    return reply.type('application/json').send(body);
  });

  const serveIndex = async (_request: FastifyRequest, reply: FastifyReply) => {
    if (opts.assets === undefined) return notBuilt(reply);
    return reply.type('text/html; charset=utf-8').send(opts.assets.index);
  };
  app.get('/console', serveIndex);
  app.get('/console/*', async (request: FastifyRequest<{ Params: { '*': string } }>, reply) => {
    const path = request.params['*'];
    if (!path.startsWith('assets/') && !path.startsWith('api/')) return serveIndex(request, reply);
    if (opts.assets === undefined) return notBuilt(reply);
    const asset = opts.assets.files.get(path);
    if (asset === undefined) return reply.code(404).type('text/plain; charset=utf-8').send('not found');
    reply.header('cache-control', 'public, max-age=31536000, immutable');
    return reply.type(asset.type).send(asset.body);
  });
}

function notBuilt(reply: FastifyReply) {
  return reply
    .code(503)
    .type('text/plain; charset=utf-8')
    .send('The console is not built. Run `npm run build` (npm start does) and restart the server.\n');
}
