import type { AgentService, AgentWithCredentials, AuditContext, CreateAgentInput } from '../agents/agent-service.js';
import type { AgentFieldsInput } from '../agents/validate-agent-input.js';
import { agentToJson, credentialToJson } from '../admin/agent-json.js';
import { AdminProblem } from '../admin/problem.js';
import { pageRequest } from '../admin/wire/primitives.js';
import type { AgentFilter } from '../store/ports/agent-store.js';
import {
  AddCredentialRequest,
  Agent,
  AgentPage,
  AgentParams,
  CreateAgentRequest,
  CreatedAgent,
  CreatedCredential,
  CredentialParams,
  ListAgentsQuery,
  UpdateAgentRequest,
} from '../admin/wire/agent.js';
import { adminRoute, type AdminRoute } from './admin-route.js';

/** Wire names to the service's; absent members stay absent (PATCH semantics). */
function fieldsOf(body: UpdateAgentRequest): AgentFieldsInput {
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
  if (body.backchannel_token_delivery_mode !== undefined) out.backchannelTokenDeliveryMode = body.backchannel_token_delivery_mode;
  if (body.backchannel_client_notification_endpoint !== undefined) out.backchannelClientNotificationEndpoint = body.backchannel_client_notification_endpoint;
  if (body.redirect_uris !== undefined) out.redirectUris = body.redirect_uris;
  return out;
}

function listFilter(query: ListAgentsQuery): AgentFilter {
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
    adminRoute({
      method: 'POST',
      url: '/agents',
      operationId: 'createAgent',
      summary: 'Register an agent; a client_secret_* agent gets its secret here, once.',
      schema: { body: CreateAgentRequest },
      success: { status: 201, schema: CreatedAgent },
      authenticated: true,
      handler: async (request, reply, ctx) => {
        const { body } = request;
        const input: CreateAgentInput = { ...fieldsOf(body), name: body.name, owner: body.owner };
        if (body.jwks !== undefined) input.jwks = body.jwks;
        const created = await service.createAgent(input, ctx.audit, { ...admin, via: 'admin_api' });
        reply.code(201);
        return { agent: agentToJson(created), ...(created.clientSecret === undefined ? {} : { client_secret: created.clientSecret }) };
      },
    }),
    adminRoute({
      method: 'GET',
      url: '/agents',
      operationId: 'listAgents',
      summary: 'List agents, ordered by id, filtered by status, owner, name substring and labels.',
      schema: { querystring: ListAgentsQuery },
      success: { status: 200, schema: AgentPage },
      authenticated: true,
      handler: async ({ query }) => {
        const page = await service.listAgents(listFilter(query), pageRequest(query));
        return { items: page.items.map(agentToJson), ...(page.next === undefined ? {} : { next_cursor: page.next }) };
      },
    }),
    adminRoute({
      method: 'GET',
      url: '/agents/:id',
      operationId: 'getAgent',
      summary: 'Read one agent and its credentials (never a secret).',
      schema: { params: AgentParams },
      success: { status: 200, schema: Agent },
      authenticated: true,
      handler: async ({ params }) => agentToJson(await service.getAgent(params.id)),
    }),
    adminRoute({
      method: 'PATCH',
      url: '/agents/:id',
      operationId: 'updateAgent',
      summary: 'Change some of an agent\'s fields.',
      schema: { params: AgentParams, body: UpdateAgentRequest },
      success: { status: 200, schema: Agent },
      authenticated: true,
      handler: async ({ params, body }, _reply, ctx) => agentToJson(await service.updateAgent(params.id, fieldsOf(body), ctx.audit, admin)),
    }),
    statusRoute('suspend', 'suspendAgent', 'Suspend an agent: every token it holds is inactive at once.', (id, ctx) => service.suspend(id, ctx)),
    statusRoute('resume', 'resumeAgent', 'Return a suspended agent to service.', (id, ctx) => service.resume(id, ctx)),
    statusRoute('disable', 'disableAgent', 'Disable an agent for good; its tokens are inactive at once.', (id, ctx) => service.disable(id, ctx)),
    adminRoute({
      method: 'DELETE',
      url: '/agents/:id',
      operationId: 'deleteAgent',
      summary: 'Delete an agent and its credentials.',
      schema: { params: AgentParams },
      success: { status: 204, schema: null },
      authenticated: true,
      handler: async ({ params }, reply, ctx) => {
        await service.deleteAgent(params.id, ctx.audit);
        reply.code(204);
        return undefined;
      },
    }),
    adminRoute({
      method: 'POST',
      url: '/agents/:id/credentials',
      operationId: 'addCredential',
      summary: 'Add a public JWK, or generate a client secret (shown once).',
      schema: { params: AgentParams, body: AddCredentialRequest },
      success: { status: 201, schema: CreatedCredential },
      authenticated: true,
      handler: async ({ params, body }, reply, ctx) => {
        const added = await service.addCredential(params.id, body, ctx.audit);
        reply.code(201);
        return { credential: credentialToJson(added.credential), ...(added.clientSecret === undefined ? {} : { client_secret: added.clientSecret }) };
      },
    }),
    adminRoute({
      method: 'DELETE',
      url: '/agents/:id/credentials/:credential_id',
      operationId: 'removeCredential',
      summary: 'Remove a credential; authentication with it fails at once.',
      schema: { params: CredentialParams },
      success: { status: 204, schema: null },
      authenticated: true,
      handler: async ({ params }, reply, ctx) => {
        await service.removeCredential(params.id, params.credential_id, ctx.audit);
        reply.code(204);
        return undefined;
      },
    }),
  ];
}

function statusRoute(
  verb: 'suspend' | 'resume' | 'disable',
  operationId: string,
  summary: string,
  act: (id: string, ctx: AuditContext) => Promise<AgentWithCredentials>,
): AdminRoute {
  return adminRoute({
    method: 'POST',
    url: `/agents/:id/${verb}`,
    operationId,
    summary,
    schema: { params: AgentParams },
    success: { status: 200, schema: Agent },
    authenticated: true,
    handler: async ({ params }, _reply, ctx) => agentToJson(await act(params.id, ctx.audit)),
  });
}
