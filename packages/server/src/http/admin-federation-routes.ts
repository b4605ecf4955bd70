import { AGENT_ID_PATTERN } from '../agents/agent-ids.js';
import { rfc3339 } from '../admin/agent-json.js';
import { BINDING_RULE_ID_PATTERN, TRUSTED_ISSUER_ID_PATTERN } from '../federation/federation-ids.js';
import type { FederationService } from '../federation/federation-service.js';
import type { BindingRuleRecord, TrustedIssuerRecord } from '../store/ports/federation-store.js';
import { FEDERATION_ALGS, FEDERATION_LIMITS } from '../federation/validate-federation-input.js';
import type { AdminRoute } from './admin-route.js';
import type { JsonSchema } from './admin-schemas.js';

const URI = { type: 'string', minLength: 1, maxLength: FEDERATION_LIMITS.uriMax } as const;
const JWKS = {
  type: 'object',
  additionalProperties: false,
  required: ['keys'],
  properties: { keys: { type: 'array', minItems: 1, maxItems: FEDERATION_LIMITS.keysMax, items: { type: 'object', maxProperties: 32 } } },
} as const;

const issuerFields = {
  jwks_uri: { anyOf: [URI, { type: 'null' }] },
  jwks: { anyOf: [JWKS, { type: 'null' }] },
  audiences: { type: 'array', minItems: 1, maxItems: FEDERATION_LIMITS.audiencesMax, items: URI },
  algorithms: { type: 'array', minItems: 1, maxItems: FEDERATION_ALGS.length, items: { type: 'string', enum: [...FEDERATION_ALGS] } },
  max_token_lifetime: { type: 'integer', minimum: FEDERATION_LIMITS.lifetimeMin, maximum: FEDERATION_LIMITS.lifetimeMax },
  allow_token_reuse: { type: 'boolean' },
  description: { type: 'string', maxLength: FEDERATION_LIMITS.descriptionMax },
} as const;

/** `POST /trusted-issuers` body. */
export const createTrustedIssuerBody: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['issuer', 'audiences'],
  properties: { issuer: URI, ...issuerFields },
};

/** `PATCH /trusted-issuers/{id}` body: the issuer identifier itself never changes. */
export const patchTrustedIssuerBody: JsonSchema = { type: 'object', additionalProperties: false, minProperties: 1, properties: issuerFields };

const CLAIMS = {
  type: 'object',
  minProperties: 1,
  maxProperties: FEDERATION_LIMITS.claimsMax,
  propertyNames: { pattern: '^/', maxLength: FEDERATION_LIMITS.pointerMax },
  additionalProperties: { type: 'string', minLength: 1, maxLength: FEDERATION_LIMITS.claimValueMax },
} as const;

/** `POST /binding-rules` body. */
export const createBindingRuleBody: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['issuer_id', 'agent_id', 'claims'],
  properties: {
    issuer_id: { type: 'string', pattern: TRUSTED_ISSUER_ID_PATTERN.source },
    agent_id: { type: 'string', pattern: AGENT_ID_PATTERN.source },
    claims: CLAIMS,
    description: { type: 'string', maxLength: FEDERATION_LIMITS.descriptionMax },
  },
};

/** `PATCH /binding-rules/{id}` body. */
export const patchBindingRuleBody: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: { claims: CLAIMS, description: { type: 'string', maxLength: FEDERATION_LIMITS.descriptionMax } },
};

const issuerParams: JsonSchema = { type: 'object', additionalProperties: false, required: ['id'], properties: { id: { type: 'string', pattern: TRUSTED_ISSUER_ID_PATTERN.source } } };
const ruleParams: JsonSchema = { type: 'object', additionalProperties: false, required: ['id'], properties: { id: { type: 'string', pattern: BINDING_RULE_ID_PATTERN.source } } };
const listRulesQuery: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: { issuer_id: { type: 'string', pattern: TRUSTED_ISSUER_ID_PATTERN.source }, agent_id: { type: 'string', pattern: AGENT_ID_PATTERN.source } },
};

interface IssuerBody {
  issuer?: string;
  jwks_uri?: string | null;
  jwks?: { keys: unknown[] } | null;
  audiences?: string[];
  algorithms?: string[];
  max_token_lifetime?: number;
  allow_token_reuse?: boolean;
  description?: string;
}

function issuerInput(body: IssuerBody) {
  return {
    ...(body.issuer === undefined ? {} : { issuer: body.issuer }),
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
export function trustedIssuerToJson(r: TrustedIssuerRecord): Record<string, unknown> {
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
export function bindingRuleToJson(r: BindingRuleRecord): Record<string, unknown> {
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
    {
      method: 'GET',
      url: '/trusted-issuers',
      operationId: 'listTrustedIssuers',
      summary: 'List the external issuers trusted for federated workload login.',
      schema: {},
      success: { status: 200, schema: 'TrustedIssuerList' },
      authenticated: true,
      handler: async () => ({ items: (await service.listTrustedIssuers()).map(trustedIssuerToJson) }),
    },
    {
      method: 'POST',
      url: '/trusted-issuers',
      operationId: 'createTrustedIssuer',
      summary: 'Trust an external issuer (exact iss, jwks_uri or static jwks, allowed audiences and algorithms).',
      schema: { body: createTrustedIssuerBody },
      success: { status: 201, schema: 'TrustedIssuer' },
      authenticated: true,
      handler: async (request, reply, ctx) => {
        const body = request.body as IssuerBody & { issuer: string; audiences: string[] };
        const created = await service.createTrustedIssuer({ ...issuerInput(body), issuer: body.issuer, audiences: body.audiences }, ctx.audit);
        reply.code(201);
        return trustedIssuerToJson(created);
      },
    },
    {
      method: 'GET',
      url: '/trusted-issuers/:id',
      operationId: 'getTrustedIssuer',
      summary: 'One trusted issuer.',
      schema: { params: issuerParams },
      success: { status: 200, schema: 'TrustedIssuer' },
      authenticated: true,
      handler: async (request) => trustedIssuerToJson(await service.getTrustedIssuer((request.params as { id: string }).id)),
    },
    {
      method: 'PATCH',
      url: '/trusted-issuers/:id',
      operationId: 'updateTrustedIssuer',
      summary: "Change a trusted issuer's keys, audiences, algorithms, lifetime bound or description.",
      schema: { params: issuerParams, body: patchTrustedIssuerBody },
      success: { status: 200, schema: 'TrustedIssuer' },
      authenticated: true,
      handler: async (request, _reply, ctx) =>
        trustedIssuerToJson(await service.updateTrustedIssuer((request.params as { id: string }).id, issuerInput(request.body as IssuerBody), ctx.audit)),
    },
    {
      method: 'DELETE',
      url: '/trusted-issuers/:id',
      operationId: 'deleteTrustedIssuer',
      summary: 'Stop trusting an issuer (409 while it has binding rules).',
      schema: { params: issuerParams },
      success: { status: 204, schema: null },
      authenticated: true,
      handler: async (request, reply, ctx) => {
        await service.deleteTrustedIssuer((request.params as { id: string }).id, ctx.audit);
        reply.code(204);
        return undefined;
      },
    },
    {
      method: 'GET',
      url: '/binding-rules',
      operationId: 'listBindingRules',
      summary: 'List binding rules, optionally of one issuer or one agent.',
      schema: { querystring: listRulesQuery },
      success: { status: 200, schema: 'BindingRuleList' },
      authenticated: true,
      handler: async (request) => {
        const query = request.query as { issuer_id?: string; agent_id?: string };
        const rules = await service.listBindingRules({
          ...(query.issuer_id === undefined ? {} : { issuerId: query.issuer_id }),
          ...(query.agent_id === undefined ? {} : { agentId: query.agent_id }),
        });
        return { items: rules.map(bindingRuleToJson) };
      },
    },
    {
      method: 'POST',
      url: '/binding-rules',
      operationId: 'createBindingRule',
      summary: "Bind JWTs of a trusted issuer whose claims match exactly (JSON Pointer -> value) to one agent.",
      schema: { body: createBindingRuleBody },
      success: { status: 201, schema: 'BindingRule' },
      authenticated: true,
      handler: async (request, reply, ctx) => {
        const body = request.body as { issuer_id: string; agent_id: string; claims: Record<string, string>; description?: string };
        const created = await service.createBindingRule(
          { issuerId: body.issuer_id, agentId: body.agent_id, claims: body.claims, ...(body.description === undefined ? {} : { description: body.description }) },
          ctx.audit,
        );
        reply.code(201);
        return bindingRuleToJson(created);
      },
    },
    {
      method: 'GET',
      url: '/binding-rules/:id',
      operationId: 'getBindingRule',
      summary: 'One binding rule.',
      schema: { params: ruleParams },
      success: { status: 200, schema: 'BindingRule' },
      authenticated: true,
      handler: async (request) => bindingRuleToJson(await service.getBindingRule((request.params as { id: string }).id)),
    },
    {
      method: 'PATCH',
      url: '/binding-rules/:id',
      operationId: 'updateBindingRule',
      summary: "Change a binding rule's claims or description.",
      schema: { params: ruleParams, body: patchBindingRuleBody },
      success: { status: 200, schema: 'BindingRule' },
      authenticated: true,
      handler: async (request, _reply, ctx) => {
        const body = request.body as { claims?: Record<string, string>; description?: string };
        const input = { ...(body.claims === undefined ? {} : { claims: body.claims }), ...(body.description === undefined ? {} : { description: body.description }) };
        return bindingRuleToJson(await service.updateBindingRule((request.params as { id: string }).id, input, ctx.audit));
      },
    },
    {
      method: 'DELETE',
      url: '/binding-rules/:id',
      operationId: 'deleteBindingRule',
      summary: 'Remove a binding rule.',
      schema: { params: ruleParams },
      success: { status: 204, schema: null },
      authenticated: true,
      handler: async (request, reply, ctx) => {
        await service.deleteBindingRule((request.params as { id: string }).id, ctx.audit);
        reply.code(204);
        return undefined;
      },
    },
  ];
}
