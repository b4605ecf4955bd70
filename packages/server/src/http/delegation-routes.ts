import type { FastifyInstance, FastifyRequest } from 'fastify';
import { refuseCsrf, renderAccountErrors } from './account-refusals.js';
import { acceptPageForms } from './page-form-parser.js';
import { AGENT_ID_PATTERN } from '../agents/agent-ids.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../clock.js';
import type { Delegations } from '../oauth/delegation/delegations.js';
import { FormParameters } from '../oauth/form-parameters.js';
import { readCookie } from '../people/session-cookie.js';
import { SESSION_COOKIE, type ResolvedSession, type Sessions } from '../people/sessions.js';
import type { AgentStore } from '../store/ports/agent-store.js';
import type { AuthorizationStore } from '../store/ports/authorization-store.js';
import type { DelegationRecord } from '../store/ports/delegation-store.js';
import { delegationsPage, type DelegationNames } from './delegation-pages.js';
import { setPageHeaders } from './page-headers.js';

/** The revoke form carries a CSRF token and an agent id: 2 KiB bounds it. */
const FORM_BODY_LIMIT = 2 * 1024;

/** What the delegation routes need. */
export interface DelegationRoutesOptions {
  delegations: Pick<Delegations, 'list' | 'revoke'>;
  sessions: Sessions;
  store: Pick<AgentStore, 'getAgent'> & Pick<AuthorizationStore, 'getPublicClient'>;
  audit: Pick<AuditLog, 'record'>;
  clock: Clock;
}

/**
 * The agents acting for a signed-in person (docs/people.md, "Agents acting for you"), as one
 * encapsulated plugin with the sign-in pages' security headers and a strict 2 KiB form parser:
 *
 * - `GET /account/agents` lists them; `POST /account/agents/revoke` (CSRF-checked) revokes one,
 *   with every token it obtained for the person.
 * - The same as JSON: `GET /account/api/agents`, and `DELETE /account/api/agents/{agent_id}` with
 *   the session's CSRF token in `X-CSRF-Token` (204, or 404 when the agent does not act for the
 *   person).
 *
 * A form without its CSRF token is refused (403) and audited as `authorization.denied`.
 */
export async function delegationRoutes(app: FastifyInstance, opts: DelegationRoutesOptions): Promise<void> {
  const { sessions, delegations } = opts;
  acceptPageForms(app, FORM_BODY_LIMIT);
  app.addHook('onSend', async (_request, reply) => {
    setPageHeaders(reply);
  });
  renderAccountErrors(app, 'delegation pages');

  const sessionId = (request: FastifyRequest) => readCookie(request.headers.cookie, SESSION_COOKIE);
  const ctx = (request: FastifyRequest, live: ResolvedSession) => ({ actor: `user:${live.user.id}`, sourceIp: request.ip, requestId: request.id });

  app.get('/account/agents', async (request, reply) => {
    const id = sessionId(request);
    const live = await sessions.resolve(id, 'signed_in');
    if (id === undefined || live === undefined) return reply.redirect('/login?return_to=%2Faccount%2Fagents', 303);
    const message = (request.query as Record<string, unknown>)['revoked'] === '1' ? 'The agent may no longer act for you.' : undefined;
    const list = await delegations.list(live.user.id);
    return reply.code(200).type('text/html; charset=utf-8').send(delegationsPage(list, await namesOf(list), sessions.csrfToken(id), message));
  });

  app.post('/account/agents/revoke', async (request, reply) => {
    const fields = request.body instanceof FormParameters ? request.body : undefined;
    const id = sessionId(request);
    if (fields === undefined || id === undefined || !sessions.checkCsrf(id, fields.get('csrf'))) return refuseCsrf(opts, request, reply, 'page');
    const live = await sessions.resolve(id, 'signed_in');
    if (live === undefined) return reply.redirect('/login?return_to=%2Faccount%2Fagents', 303);
    const agentId = fields.get('agent_id') ?? '';
    if (AGENT_ID_PATTERN.test(agentId)) await delegations.revoke(live.user.id, agentId, ctx(request, live));
    return reply.redirect('/account/agents?revoked=1', 303);
  });

  app.get('/account/api/agents', async (request, reply) => {
    const live = await sessions.resolve(sessionId(request), 'signed_in');
    if (live === undefined) return reply.code(401).type('application/json').send({ error: 'not signed in' });
    const list = await delegations.list(live.user.id);
    const names = await namesOf(list);
    return reply.type('application/json').send({ agents: list.map((d) => delegationJson(d, names)) });
  });

  app.delete('/account/api/agents/:agentId', async (request, reply) => {
    const id = sessionId(request);
    const header = request.headers['x-csrf-token'];
    if (id === undefined || typeof header !== 'string' || !sessions.checkCsrf(id, header)) return refuseCsrf(opts, request, reply, 'json');
    const live = await sessions.resolve(id, 'signed_in');
    if (live === undefined) return reply.code(401).type('application/json').send({ error: 'not signed in' });
    const agentId = (request.params as { agentId: string }).agentId;
    const revoked = AGENT_ID_PATTERN.test(agentId) && (await delegations.revoke(live.user.id, agentId, ctx(request, live)));
    return revoked ? reply.code(204).send() : reply.code(404).type('application/json').send({ error: 'this agent does not act for you' });
  });

  async function namesOf(list: readonly DelegationRecord[]): Promise<DelegationNames> {
    const agents = new Map<string, string>();
    const clients = new Map<string, string>();
    for (const d of list) {
      if (!agents.has(d.agentId)) agents.set(d.agentId, (await opts.store.getAgent(d.agentId))?.name ?? '');
      if (!clients.has(d.clientId)) clients.set(d.clientId, (await opts.store.getPublicClient(d.clientId))?.name ?? '');
    }
    return { agents, clients };
  }
}

/** The JSON of one delegation (`GET /account/api/agents`). */
export function delegationJson(d: DelegationRecord, names: DelegationNames): Record<string, unknown> {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return {
    agent_id: d.agentId,
    agent_name: names.agents.get(d.agentId) ?? '',
    client_id: d.clientId,
    client_name: names.clients.get(d.clientId) ?? '',
    grant_id: d.grantId,
    scope: d.scopes.join(' '),
    resources: d.resources,
    first_used_at: iso(d.firstUsedAt),
    last_used_at: iso(d.lastUsedAt),
    revoked_at: iso(d.revokedAt),
  };
}
