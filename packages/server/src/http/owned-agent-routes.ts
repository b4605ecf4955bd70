import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AGENT_ID_PATTERN } from '../agents/agent-ids.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../clock.js';
import { FormParameters } from '../oauth/form-parameters.js';
import type { OwnedAgents, OwnerActionResult } from '../people/owned-agents.js';
import { readCookie } from '../people/session-cookie.js';
import { SESSION_COOKIE, type ResolvedSession, type Sessions } from '../people/sessions.js';
import type { AgentRecord } from '../store/records.js';
import { refuseCsrf, renderAccountErrors } from './account-refusals.js';
import { ownedAgentsPage } from './owned-agent-pages.js';
import { acceptPageForms } from './page-form-parser.js';
import { setPageHeaders } from './page-headers.js';
import { errorPage } from './people-pages.js';

/** The forms carry a CSRF token and an agent id: 2 KiB bounds them. */
const FORM_BODY_LIMIT = 2 * 1024;
const NOT_FOUND = 'no agent of yours has this id';
const DONE: Record<string, string> = { suspended: 'Suspended: every token it held is inactive now.', resumed: 'Resumed: it may obtain new tokens.' };

/** What the owner's routes need. */
export interface OwnedAgentRoutesOptions {
  owned: Pick<OwnedAgents, 'list' | 'find' | 'suspend' | 'resume'>;
  sessions: Sessions;
  audit: Pick<AuditLog, 'record'>;
  clock: Clock;
}

type Verb = 'suspend' | 'resume';

/**
 * A signed-in person's own agents (docs/people.md, "Your agents"), as one encapsulated plugin with
 * the sign-in pages' security headers and a strict 2 KiB form parser:
 *
 * - `GET /account/owned-agents` lists them; `POST /account/owned-agents/suspend` and `.../resume`
 *   (CSRF-checked forms with `agent_id`) act on one.
 * - The same as JSON: `GET /account/api/owned-agents`, `GET /account/api/owned-agents/{agent_id}`,
 *   and `POST /account/api/owned-agents/{agent_id}/suspend` or `/resume` with the session's CSRF
 *   token in `X-CSRF-Token`: 200 with the agent, 404 for an agent the person does not own (or
 *   none), 409 when the change is not the owner's to make.
 *
 * No role is needed: owning the agent is the right. A form or call without its CSRF token is
 * refused (403) and audited as `authorization.denied`; without a live session (a suspended,
 * disabled or locked person has none) the page sends to sign-in and the JSON is 401.
 */
export async function ownedAgentRoutes(app: FastifyInstance, opts: OwnedAgentRoutesOptions): Promise<void> {
  const { sessions, owned } = opts;
  acceptPageForms(app, FORM_BODY_LIMIT);
  app.addHook('onSend', async (_request, reply) => {
    setPageHeaders(reply);
  });
  renderAccountErrors(app, 'owned agent pages');

  const sessionId = (request: FastifyRequest) => readCookie(request.headers.cookie, SESSION_COOKIE);
  const ctx = (request: FastifyRequest, live: ResolvedSession) => ({ actor: `user:${live.user.id}`, sourceIp: request.ip, requestId: request.id });
  const signIn = (reply: FastifyReply) => reply.redirect('/login?return_to=%2Faccount%2Fowned-agents', 303);
  const unauthenticated = (reply: FastifyReply) => reply.code(401).type('application/json').send({ error: 'not signed in' });
  const act = (verb: Verb, live: ResolvedSession, agentId: string, request: FastifyRequest): Promise<OwnerActionResult> =>
    AGENT_ID_PATTERN.test(agentId) ? owned[verb](live.user, agentId, ctx(request, live)) : Promise.resolve({ kind: 'not_found' });

  app.get('/account/owned-agents', async (request, reply) => {
    const id = sessionId(request);
    const live = await sessions.resolve(id, 'signed_in');
    if (id === undefined || live === undefined) return signIn(reply);
    const done = DONE[String((request.query as Record<string, unknown>)['done'])];
    return html(reply, 200, ownedAgentsPage(await owned.list(live.user), sessions.csrfToken(id), done === undefined ? undefined : { text: done, ok: true }));
  });

  for (const verb of ['suspend', 'resume'] as const) {
    app.post(`/account/owned-agents/${verb}`, async (request, reply) => {
      const fields = request.body instanceof FormParameters ? request.body : undefined;
      const id = sessionId(request);
      if (fields === undefined || id === undefined || !sessions.checkCsrf(id, fields.get('csrf'))) return refuseCsrf(opts, request, reply, 'page');
      const live = await sessions.resolve(id, 'signed_in');
      if (live === undefined) return signIn(reply);
      const result = await act(verb, live, fields.get('agent_id') ?? '', request);
      if (result.kind === 'ok') return reply.redirect(`/account/owned-agents?done=${verb === 'suspend' ? 'suspended' : 'resumed'}`, 303);
      if (result.kind === 'not_found') return html(reply, 404, errorPage('No such agent', 'No agent of yours has this id.'));
      return html(reply, 409, ownedAgentsPage(await owned.list(live.user), sessions.csrfToken(id), { text: `Not changed: ${result.reason}.`, ok: false }));
    });

    app.post(`/account/api/owned-agents/:agentId/${verb}`, async (request, reply) => {
      const id = sessionId(request);
      const header = request.headers['x-csrf-token'];
      if (id === undefined || typeof header !== 'string' || !sessions.checkCsrf(id, header)) return refuseCsrf(opts, request, reply, 'json');
      const live = await sessions.resolve(id, 'signed_in');
      if (live === undefined) return unauthenticated(reply);
      const result = await act(verb, live, (request.params as { agentId: string }).agentId, request);
      if (result.kind === 'ok') return reply.type('application/json').send(ownedAgentJson(result.agent));
      if (result.kind === 'not_found') return reply.code(404).type('application/json').send({ error: NOT_FOUND });
      return reply.code(409).type('application/json').send({ error: result.reason });
    });
  }

  app.get('/account/api/owned-agents', async (request, reply) => {
    const live = await sessions.resolve(sessionId(request), 'signed_in');
    if (live === undefined) return unauthenticated(reply);
    return reply.type('application/json').send({ agents: (await owned.list(live.user)).map(ownedAgentJson) });
  });

  app.get('/account/api/owned-agents/:agentId', async (request, reply) => {
    const live = await sessions.resolve(sessionId(request), 'signed_in');
    if (live === undefined) return unauthenticated(reply);
    const agentId = (request.params as { agentId: string }).agentId;
    const agent = AGENT_ID_PATTERN.test(agentId) ? await owned.find(live.user, agentId) : undefined;
    return agent === undefined ? reply.code(404).type('application/json').send({ error: NOT_FOUND }) : reply.type('application/json').send(ownedAgentJson(agent));
  });
}

function html(reply: FastifyReply, status: number, body: string): FastifyReply {
  return reply.code(status).type('text/html; charset=utf-8').send(body);
}

/** What an owner sees of an agent (`GET /account/api/owned-agents`): never a credential. */
export function ownedAgentJson(agent: AgentRecord): Record<string, unknown> {
  return {
    agent_id: agent.id,
    name: agent.name,
    owner: agent.owner,
    status: agent.status,
    labels: agent.labels,
    last_seen_at: agent.lastSeenAt === null ? null : new Date(agent.lastSeenAt).toISOString(),
    created_at: new Date(agent.createdAt).toISOString(),
  };
}
