import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { acceptPageForms } from './page-form-parser.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../clock.js';
import { AuthorizationError } from '../oauth/authorization/authorization-error.js';
import { authorizationErrorResponse, issueAuthorizationCode } from '../oauth/authorization/authorization-codes.js';
import { readAuthorizationRequest, requestOf, type AuthorizationRequest, type AuthorizationRequestDeps } from '../oauth/authorization/authorization-request.js';
import type { Consents } from '../oauth/authorization/consents.js';
import { isClientIdUrl } from '../oauth/authorization/client-id-url.js';
import type { PublicClients } from '../oauth/authorization/public-clients.js';
import { FormParameters } from '../oauth/form-parameters.js';
import { readCookie } from '../people/session-cookie.js';
import { SESSION_COOKIE, type ResolvedSession, type Sessions } from '../people/sessions.js';
import type { Random } from '../random.js';
import type { AuthorizationStore } from '../store/ports/authorization-store.js';
import { consentPage, consentsPage, returningPage } from './consent-pages.js';
import { PAGE_CSP, setPageHeaders } from './page-headers.js';
import { errorPage } from './people-pages.js';

/** Consent forms carry the authorization request's query: 8 KiB bounds them. */
const FORM_BODY_LIMIT = 8 * 1024;
/** Longest authorization request query read. */
const MAX_QUERY_LENGTH = 4096;

/** What the authorization routes need. */
export interface AuthorizeRoutesOptions extends AuthorizationRequestDeps {
  issuer: string;
  store: Pick<AuthorizationStore, 'createAuthorizationGrant' | 'getPublicClient'>;
  clients: AuthorizationRequestDeps['clients'] & Pick<PublicClients, 'remember'>;
  sessions: Sessions;
  consents: Consents;
  audit: Pick<AuditLog, 'record'>;
  clock: Clock;
  random: Random;
}

/**
 * The authorization endpoint (RFC 6749 §3.1, §4.1; OAuth 2.1 §4.1) and a person's consents
 * (docs/people.md, "Consent"), as one encapsulated plugin with the sign-in pages' security headers
 * and a strict 8 KiB form parser:
 *
 * - `GET /authorize` checks the request (`readAuthorizationRequest`); a person not signed in goes
 *   to `/login` and comes back (`return_to`); a remembered consent that covers the request issues
 *   the code at once (a page that sends the browser on: see `returningPage`); otherwise the consent page names the client, the scopes and the resource.
 * - `POST /authorize` (CSRF-checked) re-checks the request it carries, then allows (remembering
 *   the consent, issuing the code) or denies (`access_denied`).
 * - `GET /account/consents` lists the person's consents; `POST /account/consents/revoke`
 *   (CSRF-checked) revokes one and the authorizations and tokens it allowed. The same as JSON:
 *   `GET /account/api/consents` and `DELETE /account/api/consents?client_id=&resource=` with the
 *   session's CSRF token in `X-CSRF-Token`.
 *
 * Refusals before the client and redirect URI are known good are pages, never redirects (RFC 6749
 * §4.1.2.1); the rest go back to the client with `error`, `state` and `iss` (RFC 9207). Every
 * refusal is audited as `authorization.denied`.
 */
export async function authorizeRoutes(app: FastifyInstance, opts: AuthorizeRoutesOptions): Promise<void> {
  const { sessions, consents } = opts;
  /** Where a response may send the browser after a form post (CSP `form-action` also governs the redirect that follows it). */
  const formTargets = new WeakMap<FastifyReply, string>();

  acceptPageForms(app, FORM_BODY_LIMIT);
  app.addHook('onSend', async (_request, reply) => {
    setPageHeaders(reply);
    const target = formTargets.get(reply);
    if (target !== undefined) reply.header('content-security-policy', PAGE_CSP.replace("form-action 'self'", `form-action 'self' ${target}`));
  });
  app.setErrorHandler(async (error, request, reply) => {
    const status = typeof (error as { statusCode?: unknown }).statusCode === 'number' ? (error as { statusCode: number }).statusCode : 500;
    if (status >= 500) request.log.error({ err: error, reqId: request.id }, 'authorization pages: unexpected error');
    return html(reply, status >= 400 && status < 500 ? status : 500, errorPage('Something went wrong', status < 500 ? 'The request was malformed.' : 'The server could not complete the request.'));
  });

  const sessionId = (request: FastifyRequest) => readCookie(request.headers.cookie, SESSION_COOKIE);
  const ctx = (request: FastifyRequest, live: ResolvedSession | undefined) => ({ actor: live === undefined ? 'anonymous' : `user:${live.user.id}`, sourceIp: request.ip, requestId: request.id });
  const queryOf = (request: FastifyRequest) => {
    const at = request.url.indexOf('?');
    return at < 0 ? '' : request.url.slice(at + 1);
  };

  /** Reads the request; a refusal is audited and answered (a page, or a redirect to the client). */
  async function read(request: FastifyRequest, reply: FastifyReply, query: string, live: ResolvedSession | undefined): Promise<AuthorizationRequest | FastifyReply> {
    try {
      if (query.length > MAX_QUERY_LENGTH) throw new AuthorizationError('invalid_request', `the authorization request must be at most ${MAX_QUERY_LENGTH} characters`, false);
      return await readAuthorizationRequest(opts, query, ctx(request, live));
    } catch (error) {
      if (!(error instanceof AuthorizationError)) throw error;
      return refuse(request, reply, error, live);
    }
  }

  async function refuse(request: FastifyRequest, reply: FastifyReply, error: AuthorizationError, live: ResolvedSession | undefined): Promise<FastifyReply> {
    const known = requestOf(error);
    await opts.audit.record({
      time: opts.clock.now(),
      event: 'authorization.denied',
      outcome: 'failure',
      agentId: null,
      actor: ctx(request, live).actor,
      sourceIp: request.ip,
      reason: `${error.code}: ${error.detail}`,
      requestId: request.id,
      details: { redirected: error.redirect && known !== undefined, ...(known === undefined ? {} : { client_id: known.client.clientId }) },
    });
    if (error.redirect && known !== undefined) {
      formTargets.set(reply, cspSource(known.redirectUri));
      return reply.redirect(authorizationErrorResponse(known.redirectUri, opts.issuer, known.state, error.code, error.description), 303);
    }
    return html(reply, 400, errorPage('Authorization refused', `This application's request cannot be processed: ${error.description}.`));
  }

  function toLogin(reply: FastifyReply, query: string): FastifyReply {
    return reply.redirect(`/login?return_to=${encodeURIComponent(`/authorize?${query}`)}`, 303);
  }

  async function approve(request: FastifyRequest, reply: FastifyReply, authz: AuthorizationRequest, live: ResolvedSession): Promise<FastifyReply> {
    formTargets.set(reply, cspSource(authz.redirectUri));
    return reply.redirect(await issueAuthorizationCode(opts, authz, live.user.id, ctx(request, live)), 303);
  }

  app.get('/authorize', async (request, reply) => {
    const query = queryOf(request);
    const live = await sessions.resolve(sessionId(request), 'signed_in');
    // A client named by a URL is fetched for a signed-in person only: an anonymous visitor cannot
    // make this server fetch URLs. The request is checked in full when the person comes back.
    if (live === undefined && query.length <= MAX_QUERY_LENGTH && isClientIdUrl(new URLSearchParams(query).get('client_id') ?? '')) return toLogin(reply, query);
    const authz = await read(request, reply, query, live);
    if (!('client' in authz)) return authz;
    if (live === undefined) return toLogin(reply, query);
    if (await consents.covers(live.user.id, authz)) {
      const location = await issueAuthorizationCode(opts, authz, live.user.id, ctx(request, live));
      return html(reply, 200, returningPage(location, authz.client.name));
    }
    const id = sessionId(request) as string;
    // The consent form's answer redirects to the client: its CSP must allow that target.
    formTargets.set(reply, cspSource(authz.redirectUri));
    return html(reply, 200, consentPage({ client: authz.client, redirectUri: authz.redirectUri, scopes: authz.scopes, resource: authz.resource, request: query, csrf: sessions.csrfToken(id), who: live.user.email }));
  });

  app.post('/authorize', async (request, reply) => {
    const fields = request.body instanceof FormParameters ? request.body : undefined;
    const id = sessionId(request);
    if (fields === undefined || id === undefined || !sessions.checkCsrf(id, fields.get('csrf'))) return csrfRefused(request, reply);
    const live = await sessions.resolve(id, 'signed_in');
    const query = fields.get('request') ?? '';
    if (live === undefined) return toLogin(reply, query);
    const authz = await read(request, reply, query, live);
    if (!('client' in authz)) return authz;
    const decision = fields.get('decision');
    if (decision !== 'allow') {
      const denied = new AuthorizationError('access_denied', 'the person denied the request', true, `denied by user:${live.user.id}`);
      return refuse(request, reply, Object.assign(denied, { request: authz }), live);
    }
    await opts.clients.remember(authz.client);
    await consents.grant(live.user.id, authz, ctx(request, live));
    return approve(request, reply, authz, live);
  });

  app.get('/account/consents', async (request, reply) => {
    const id = sessionId(request);
    const live = await sessions.resolve(id, 'signed_in');
    if (id === undefined || live === undefined) return reply.redirect('/login?return_to=%2Faccount%2Fconsents', 303);
    const message = (request.query as Record<string, unknown>)['revoked'] === '1' ? 'Access revoked.' : undefined;
    const list = await consents.list(live.user.id);
    return html(reply, 200, consentsPage(list, await clientNames(list.map((c) => c.clientId)), sessions.csrfToken(id), message));
  });

  app.post('/account/consents/revoke', async (request, reply) => {
    const fields = request.body instanceof FormParameters ? request.body : undefined;
    const id = sessionId(request);
    if (fields === undefined || id === undefined || !sessions.checkCsrf(id, fields.get('csrf'))) return csrfRefused(request, reply);
    const live = await sessions.resolve(id, 'signed_in');
    if (live === undefined) return reply.redirect('/login?return_to=%2Faccount%2Fconsents', 303);
    await consents.revoke(live.user.id, fields.get('client_id') ?? '', fields.get('resource') ?? '', ctx(request, live));
    return reply.redirect('/account/consents?revoked=1', 303);
  });

  app.get('/account/api/consents', async (request, reply) => {
    const live = await sessions.resolve(sessionId(request), 'signed_in');
    if (live === undefined) return reply.code(401).type('application/json').send({ error: 'not signed in' });
    const list = await consents.list(live.user.id);
    return reply.type('application/json').send({ consents: list.map((c) => ({ client_id: c.clientId, resource: c.resource, scope: c.scopes.join(' '), granted_at: new Date(c.grantedAt).toISOString() })) });
  });

  app.delete('/account/api/consents', async (request, reply) => {
    const id = sessionId(request);
    const header = request.headers['x-csrf-token'];
    if (id === undefined || typeof header !== 'string' || !sessions.checkCsrf(id, header)) return reply.code(403).type('application/json').send({ error: 'CSRF token missing or wrong' });
    const live = await sessions.resolve(id, 'signed_in');
    if (live === undefined) return reply.code(401).type('application/json').send({ error: 'not signed in' });
    const query = request.query as Record<string, unknown>;
    const clientId = typeof query['client_id'] === 'string' ? query['client_id'] : '';
    const resource = typeof query['resource'] === 'string' ? query['resource'] : '';
    const deleted = await consents.revoke(live.user.id, clientId, resource, ctx(request, live));
    return deleted ? reply.code(204).send() : reply.code(404).type('application/json').send({ error: 'no such consent' });
  });

  async function clientNames(ids: readonly string[]): Promise<Map<string, string>> {
    const names = new Map<string, string>();
    for (const clientId of new Set(ids)) names.set(clientId, (await opts.store.getPublicClient(clientId))?.name ?? '');
    return names;
  }

  async function csrfRefused(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    await opts.audit.record({
      time: opts.clock.now(),
      event: 'authorization.denied',
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
}

/** The CSP source of a redirect URI: its origin, or its scheme for a private-use one (RFC 8252 §7.1). */
function cspSource(redirectUri: string): string {
  const url = new URL(redirectUri);
  return url.origin === 'null' ? url.protocol : url.origin;
}

function html(reply: FastifyReply, status: number, body: string): FastifyReply {
  return reply.code(status).type('text/html; charset=utf-8').send(body);
}
