import { rfc3339 } from '../admin/wire/primitives.js';
import {
  BindingRule,
  BindingRuleList,
  BindingRuleParams,
  CreateBindingRuleRequest,
  CreateTrustedIssuerRequest,
  ListBindingRulesQuery,
  TrustedIssuer,
  TrustedIssuerList,
  TrustedIssuerParams,
  UpdateBindingRuleRequest,
  UpdateTrustedIssuerRequest,
} from '../admin/wire/federation.js';
import type { FederationService } from '../federation/federation-service.js';
import type { BindingRuleRecord, TrustedIssuerRecord } from '../store/ports/federation-store.js';
import { adminRoute, type AdminRoute } from './admin-route.js';

/** Wire names to the service's; absent members stay absent (PATCH semantics). */
function issuerInput(body: UpdateTrustedIssuerRequest) {
  return {
    ...(body.jwks_uri === undefined ? {} : { jwksUri: body.jwks_uri }),
    ...(body.jwks === undefined ? {} : { jwks: body.jwks }),
    ...(body.audiences === undefined ? {} : { audiences: body.audiences }),
    ...(body.algorithms === undefined ? {} : { algorithms: body.algorithms }),
    ...(body.max_token_lifetime === undefined ? {} : { maxTokenLifetime: body.max_token_lifetime }),
    ...(body.allow_token_reuse === undefined ? {} : { allowTokenReuse: body.allow_token_reuse }),
    ...(body.description === undefined ? {} : { description: body.description }),
  };
}

/** The admin API's JSON of a trusted issuer (docs/admin-api.md). */
export function trustedIssuerToJson(r: TrustedIssuerRecord): TrustedIssuer {
  return {
    id: r.id,
    issuer: r.issuer,
    jwks_uri: r.jwksUri,
    jwks: r.jwks,
    audiences: r.audiences,
    algorithms: r.algorithms,
    max_token_lifetime: r.maxTokenLifetime,
    allow_token_reuse: r.allowTokenReuse,
    description: r.description,
    created_at: rfc3339(r.createdAt),
    updated_at: rfc3339(r.updatedAt),
  };
}

/** The admin API's JSON of a binding rule. */
export function bindingRuleToJson(r: BindingRuleRecord): BindingRule {
  return {
    id: r.id,
    issuer_id: r.issuerId,
    agent_id: r.agentId,
    claims: r.claims,
    description: r.description,
    created_at: rfc3339(r.createdAt),
    updated_at: rfc3339(r.updatedAt),
  };
}

/** `/trusted-issuers` and `/binding-rules` (docs/admin-api.md, docs/federation.md). */
export function federationRoutes(service: FederationService): AdminRoute[] {
  return [
    adminRoute({
      method: 'GET',
      url: '/trusted-issuers',
      operationId: 'listTrustedIssuers',
      summary: 'List the external issuers trusted for federated workload login.',
      schema: {},
      success: { status: 200, schema: TrustedIssuerList },
      authenticated: true,
      handler: async () => ({ items: (await service.listTrustedIssuers()).map(trustedIssuerToJson) }),
    }),
    adminRoute({
      method: 'POST',
      url: '/trusted-issuers',
      operationId: 'createTrustedIssuer',
      summary: 'Trust an external issuer (exact iss, jwks_uri or static jwks, allowed audiences and algorithms).',
      schema: { body: CreateTrustedIssuerRequest },
      success: { status: 201, schema: TrustedIssuer },
      authenticated: true,
      handler: async ({ body }, reply, ctx) => {
        const created = await service.createTrustedIssuer({ ...issuerInput(body), issuer: body.issuer, audiences: body.audiences }, ctx.audit);
        reply.code(201);
        return trustedIssuerToJson(created);
      },
    }),
    adminRoute({
      method: 'GET',
      url: '/trusted-issuers/:id',
      operationId: 'getTrustedIssuer',
      summary: 'One trusted issuer.',
      schema: { params: TrustedIssuerParams },
      success: { status: 200, schema: TrustedIssuer },
      authenticated: true,
      handler: async ({ params }) => trustedIssuerToJson(await service.getTrustedIssuer(params.id)),
    }),
    adminRoute({
      method: 'PATCH',
      url: '/trusted-issuers/:id',
      operationId: 'updateTrustedIssuer',
      summary: "Change a trusted issuer's keys, audiences, algorithms, lifetime bound or description.",
      schema: { params: TrustedIssuerParams, body: UpdateTrustedIssuerRequest },
      success: { status: 200, schema: TrustedIssuer },
      authenticated: true,
      handler: async ({ params, body }, _reply, ctx) => trustedIssuerToJson(await service.updateTrustedIssuer(params.id, issuerInput(body), ctx.audit)),
    }),
    adminRoute({
      method: 'DELETE',
      url: '/trusted-issuers/:id',
      operationId: 'deleteTrustedIssuer',
      summary: 'Stop trusting an issuer (409 while it has binding rules).',
      schema: { params: TrustedIssuerParams },
      success: { status: 204, schema: null },
      authenticated: true,
      handler: async ({ params }, reply, ctx) => {
        await service.deleteTrustedIssuer(params.id, ctx.audit);
        reply.code(204);
        return undefined;
      },
    }),
    adminRoute({
      method: 'GET',
      url: '/binding-rules',
      operationId: 'listBindingRules',
      summary: 'List binding rules, optionally of one issuer or one agent.',
      schema: { querystring: ListBindingRulesQuery },
      success: { status: 200, schema: BindingRuleList },
      authenticated: true,
      handler: async ({ query }) => {
        const rules = await service.listBindingRules({
          ...(query.issuer_id === undefined ? {} : { issuerId: query.issuer_id }),
          ...(query.agent_id === undefined ? {} : { agentId: query.agent_id }),
        });
        return { items: rules.map(bindingRuleToJson) };
      },
    }),
    adminRoute({
      method: 'POST',
      url: '/binding-rules',
      operationId: 'createBindingRule',
      summary: "Bind JWTs of a trusted issuer whose claims match exactly (JSON Pointer -> value) to one agent.",
      schema: { body: CreateBindingRuleRequest },
      success: { status: 201, schema: BindingRule },
      authenticated: true,
      handler: async ({ body }, reply, ctx) => {
        const created = await service.createBindingRule(
          { issuerId: body.issuer_id, agentId: body.agent_id, claims: body.claims, ...(body.description === undefined ? {} : { description: body.description }) },
          ctx.audit,
        );
        reply.code(201);
        return bindingRuleToJson(created);
      },
    }),
    adminRoute({
      method: 'GET',
      url: '/binding-rules/:id',
      operationId: 'getBindingRule',
      summary: 'One binding rule.',
      schema: { params: BindingRuleParams },
      success: { status: 200, schema: BindingRule },
      authenticated: true,
      handler: async ({ params }) => bindingRuleToJson(await service.getBindingRule(params.id)),
    }),
    adminRoute({
      method: 'PATCH',
      url: '/binding-rules/:id',
      operationId: 'updateBindingRule',
      summary: "Change a binding rule's claims or description.",
      schema: { params: BindingRuleParams, body: UpdateBindingRuleRequest },
      success: { status: 200, schema: BindingRule },
      authenticated: true,
      handler: async ({ params, body }, _reply, ctx) => {
        const input = { ...(body.claims === undefined ? {} : { claims: body.claims }), ...(body.description === undefined ? {} : { description: body.description }) };
        return bindingRuleToJson(await service.updateBindingRule(params.id, input, ctx.audit));
      },
    }),
    adminRoute({
      method: 'DELETE',
      url: '/binding-rules/:id',
      operationId: 'deleteBindingRule',
      summary: 'Remove a binding rule.',
      schema: { params: BindingRuleParams },
      success: { status: 204, schema: null },
      authenticated: true,
      handler: async ({ params }, reply, ctx) => {
        await service.deleteBindingRule(params.id, ctx.audit);
        reply.code(204);
        return undefined;
      },
    }),
  ];
}
