import type { AgentService, AgentWithCredentials, AuditContext, CreateAgentInput } from '../agents/agent-service.js';
import type { AgentFieldsInput } from '../agents/validate-agent-input.js';
import type { NewCredentialInput } from '../agents/build-credential.js';
import { agentToJson, credentialToJson } from '../admin/agent-json.js';
import { AdminProblem } from '../admin/problem.js';
import type { AgentFilter } from '../store/ports/agent-store.js';
import type { AdminRoute } from './admin-route.js';
import {
  addCredentialBody,
  agentParams,
  createAgentBody,
  credentialParams,
  listAgentsQuery,
  patchAgentBody,
} from './admin-schemas.js';

/** An agent body as sent (snake_case, already shape-checked by the route schema). */
interface AgentBody {
  name?: string;
  owner?: string;
  description?: string;
  scopes?: string[];
  resources?: string[];
  grant_types?: string[];
  token_endpoint_auth_method?: string;
  access_token_ttl?: number | null;
  labels?: Record<string, string>;
  jwks_uri?: string | null;
  jwks?: { keys: unknown[] };
  tls_client_auth_san_uri?: string | null;
  tls_client_auth_san_dns?: string | null;
  tls_client_auth_subject_dn?: string | null;
  tls_client_certificate_bound_access_tokens?: boolean;
  dpop_bound_access_tokens?: boolean;
}

interface ListQuery {
  status?: 'active' | 'suspended' | 'disabled';
  owner?: string;
  name?: string;
  label?: string[];
  limit: number;
  cursor?: string;
}

/** Wire names to the service's; absent members stay absent (PATCH semantics). */
function fieldsOf(body: AgentBody): AgentFieldsInput {
  const out: AgentFieldsInput = {};
  if (body.name !== undefined) out.name = body.name;
  if (body.owner !== undefined) out.owner = body.owner;
  if (body.description !== undefined) out.description = body.description;
  if (body.scopes !== undefined) out.scopes = body.scopes;
  if (body.resources !== undefined) out.resources = body.resources;
  if (body.grant_types !== undefined) out.grantTypes = body.grant_types;
  if (body.token_endpoint_auth_method !== undefined) out.tokenEndpointAuthMethod = body.token_endpoint_auth_method;
  if (body.access_token_ttl !== undefined) out.accessTokenTtl = body.access_token_ttl;
  if (body.labels !== undefined) out.labels = body.labels;
  if (body.jwks_uri !== undefined) out.jwksUri = body.jwks_uri;
  if (body.tls_client_auth_san_uri !== undefined) out.tlsClientAuthSanUri = body.tls_client_auth_san_uri;
  if (body.tls_client_auth_san_dns !== undefined) out.tlsClientAuthSanDns = body.tls_client_auth_san_dns;
  if (body.tls_client_auth_subject_dn !== undefined) out.tlsClientAuthSubjectDn = body.tls_client_auth_subject_dn;
  if (body.tls_client_certificate_bound_access_tokens !== undefined) out.tlsClientCertificateBoundAccessTokens = body.tls_client_certificate_bound_access_tokens;
  if (body.dpop_bound_access_tokens !== undefined) out.dpopBoundAccessTokens = body.dpop_bound_access_tokens;
  return out;
}

function listFilter(query: ListQuery): AgentFilter {
  const filter: AgentFilter = {};
  if (query.status !== undefined) filter.status = query.status;
  if (query.owner !== undefined) filter.owner = query.owner;
  if (query.name !== undefined) filter.nameContains = query.name;
  if (query.label !== undefined) {
    const labels: Record<string, string> = {};
    for (const pair of query.label) {
      const at = pair.indexOf('=');
      const key = pair.slice(0, at);
      if (key in labels && labels[key] !== pair.slice(at + 1)) {
        throw new AdminProblem('validation_failed', `label "${key}" is given twice with different values`);
      }
      labels[key] = pair.slice(at + 1);
    }
    filter.labels = labels;
  }
  return filter;
}

/** The agent and credential routes of docs/admin-api.md. */
export function agentRoutes(service: AgentService): AdminRoute[] {
  const admin = { admin: true } as const;
  return [
    {
      method: 'POST',
      url: '/agents',
      operationId: 'createAgent',
      summary: 'Register an agent; a client_secret_* agent gets its secret here, once.',
      schema: { body: createAgentBody },
      success: { status: 201, schema: 'CreatedAgent' },
      authenticated: true,
      handler: async (request, reply, ctx) => {
        const body = request.body as AgentBody & { name: string; owner: string };
        const input: CreateAgentInput = { ...fieldsOf(body), name: body.name, owner: body.owner };
        if (body.jwks !== undefined) input.jwks = body.jwks;
        const created = await service.createAgent(input, ctx.audit, { ...admin, via: 'admin_api' });
        reply.code(201);
        return { agent: agentToJson(created), ...(created.clientSecret === undefined ? {} : { client_secret: created.clientSecret }) };
      },
    },
    {
      method: 'GET',
      url: '/agents',
      operationId: 'listAgents',
      summary: 'List agents, ordered by id, filtered by status, owner, name substring and labels.',
      schema: { querystring: listAgentsQuery },
      success: { status: 200, schema: 'AgentPage' },
      authenticated: true,
      handler: async (request) => {
        const query = request.query as ListQuery;
        const page = await service.listAgents(listFilter(query), query.cursor === undefined ? { limit: query.limit } : { limit: query.limit, after: query.cursor });
        return { items: page.items.map(agentToJson), ...(page.next === undefined ? {} : { next_cursor: page.next }) };
      },
    },
    {
      method: 'GET',
      url: '/agents/:id',
      operationId: 'getAgent',
      summary: 'Read one agent and its credentials (never a secret).',
      schema: { params: agentParams },
      success: { status: 200, schema: 'Agent' },
      authenticated: true,
      handler: async (request) => agentToJson(await service.getAgent(idOf(request.params))),
    },
    {
      method: 'PATCH',
      url: '/agents/:id',
      operationId: 'updateAgent',
      summary: 'Change some of an agent\'s fields.',
      schema: { params: agentParams, body: patchAgentBody },
      success: { status: 200, schema: 'Agent' },
      authenticated: true,
      handler: async (request, _reply, ctx) => agentToJson(await service.updateAgent(idOf(request.params), fieldsOf(request.body as AgentBody), ctx.audit, admin)),
    },
    statusRoute('suspend', 'suspendAgent', 'Suspend an agent: every token it holds is inactive at once.', (id, ctx) => service.suspend(id, ctx)),
    statusRoute('resume', 'resumeAgent', 'Return a suspended agent to service.', (id, ctx) => service.resume(id, ctx)),
    statusRoute('disable', 'disableAgent', 'Disable an agent for good; its tokens are inactive at once.', (id, ctx) => service.disable(id, ctx)),
    {
      method: 'DELETE',
      url: '/agents/:id',
      operationId: 'deleteAgent',
      summary: 'Delete an agent and its credentials.',
      schema: { params: agentParams },
      success: { status: 204, schema: null },
      authenticated: true,
      handler: async (request, reply, ctx) => {
        await service.deleteAgent(idOf(request.params), ctx.audit);
        reply.code(204);
        return undefined;
      },
    },
    {
      method: 'POST',
      url: '/agents/:id/credentials',
      operationId: 'addCredential',
      summary: 'Add a public JWK, or generate a client secret (shown once).',
      schema: { params: agentParams, body: addCredentialBody },
      success: { status: 201, schema: 'CreatedCredential' },
      authenticated: true,
      handler: async (request, reply, ctx) => {
        const added = await service.addCredential(idOf(request.params), request.body as NewCredentialInput, ctx.audit);
        reply.code(201);
        return { credential: credentialToJson(added.credential), ...(added.clientSecret === undefined ? {} : { client_secret: added.clientSecret }) };
      },
    },
    {
      method: 'DELETE',
      url: '/agents/:id/credentials/:credential_id',
      operationId: 'removeCredential',
      summary: 'Remove a credential; authentication with it fails at once.',
      schema: { params: credentialParams },
      success: { status: 204, schema: null },
      authenticated: true,
      handler: async (request, reply, ctx) => {
        const params = request.params as { id: string; credential_id: string };
        await service.removeCredential(params.id, params.credential_id, ctx.audit);
        reply.code(204);
        return undefined;
      },
    },
  ];
}

function idOf(params: unknown): string {
  return (params as { id: string }).id;
}

function statusRoute(
  verb: 'suspend' | 'resume' | 'disable',
  operationId: string,
  summary: string,
  act: (id: string, ctx: AuditContext) => Promise<AgentWithCredentials>,
): AdminRoute {
  return {
    method: 'POST',
    url: `/agents/:id/${verb}`,
    operationId,
    summary,
    schema: { params: agentParams },
    success: { status: 200, schema: 'Agent' },
    authenticated: true,
    handler: async (request, _reply, ctx) => agentToJson(await act(idOf(request.params), ctx.audit)),
  };
}
