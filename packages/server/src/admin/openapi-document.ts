import { KEY_SLOTS } from '../key-slot.js';
import { ADMIN_PROBLEM_CODES } from './problem-codes.js';

type JsonSchema = Record<string, unknown>;

/** What the OpenAPI document needs to know of one admin route. */
export interface AdminRouteDescription {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Fastify-style path under `/admin/v1`, e.g. `/agents/:id`. */
  url: string;
  operationId: string;
  summary: string;
  schema: { body?: JsonSchema; querystring?: JsonSchema; params?: JsonSchema };
  /** Success status and the `#/components/schemas` name (or null for no body, or a media type). */
  success: { status: number; schema: string | null; mediaType?: string };
  /** False for the routes anyone may read (the OpenAPI document itself). */
  authenticated: boolean;
  /** Whether the route accepts a JSON body at all. */
  bodyOptional?: boolean;
}

const TIME = { type: 'string', format: 'date-time' } as const;
const NULLABLE_TIME = { anyOf: [TIME, { type: 'null' }] } as const;

/** Response shapes, as docs/admin-api.md describes them. */
const COMPONENT_SCHEMAS: Record<string, JsonSchema> = {
  Problem: {
    type: 'object',
    description: 'RFC 9457 problem details with a stable `code` (docs/errors.md).',
    required: ['type', 'title', 'status', 'detail', 'code'],
    properties: {
      type: { type: 'string', examples: ['urn:agentauth:problem:not_found'] },
      title: { type: 'string' },
      status: { type: 'integer' },
      detail: { type: 'string' },
      code: { type: 'string', enum: ADMIN_PROBLEM_CODES },
    },
  },
  Credential: {
    type: 'object',
    required: ['id', 'type', 'created_at', 'expires_at'],
    properties: { id: { type: 'string' }, type: { enum: ['jwk', 'secret'] }, kid: { type: 'string' }, created_at: TIME, expires_at: NULLABLE_TIME },
  },
  Agent: {
    type: 'object',
    required: ['id', 'client_id', 'name', 'owner', 'status', 'credentials', 'created_at', 'updated_at'],
    properties: {
      id: { type: 'string' },
      client_id: { type: 'string' },
      name: { type: 'string' },
      owner: { type: 'string' },
      description: { type: 'string' },
      status: { enum: ['active', 'suspended', 'disabled'] },
      scopes: { type: 'array', items: { type: 'string' } },
      resources: { type: 'array', items: { type: 'string' } },
      grant_types: { type: 'array', items: { type: 'string' } },
      token_endpoint_auth_method: { type: 'string' },
      access_token_ttl: { anyOf: [{ type: 'integer' }, { type: 'null' }] },
      labels: { type: 'object', additionalProperties: { type: 'string' } },
      jwks_uri: { anyOf: [{ type: 'string' }, { type: 'null' }] },
      tls_client_auth_san_uri: { type: 'string' },
      tls_client_auth_san_dns: { type: 'string' },
      tls_client_auth_subject_dn: { type: 'string' },
      tls_client_certificate_bound_access_tokens: { type: 'boolean' },
      dpop_bound_access_tokens: { type: 'boolean' },
      credentials: { type: 'array', items: { $ref: '#/components/schemas/Credential' } },
      created_at: TIME,
      updated_at: TIME,
      last_seen_at: NULLABLE_TIME,
    },
  },
  CreatedAgent: {
    type: 'object',
    required: ['agent'],
    properties: { agent: { $ref: '#/components/schemas/Agent' }, client_secret: { type: 'string', description: 'Shown once.' } },
  },
  AgentPage: {
    type: 'object',
    required: ['items'],
    properties: { items: { type: 'array', items: { $ref: '#/components/schemas/Agent' } }, next_cursor: { type: 'string' } },
  },
  CreatedCredential: {
    type: 'object',
    required: ['credential'],
    properties: { credential: { $ref: '#/components/schemas/Credential' }, client_secret: { type: 'string', description: 'Shown once.' } },
  },
  SigningKeyList: {
    type: 'object',
    required: ['items'],
    properties: {
      items: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            kid: { type: 'string' },
            alg: { type: 'string' },
            state: { enum: [...KEY_SLOTS] },
            created_at: TIME,
            activated_at: NULLABLE_TIME,
            retired_at: NULLABLE_TIME,
            expires_at: NULLABLE_TIME,
          },
        },
      },
    },
  },
  Rotation: { type: 'object', required: ['active_kid', 'prepared_kid'], properties: { active_kid: { type: 'string' }, prepared_kid: { type: 'string' } } },
  AuditRecord: {
    type: 'object',
    properties: {
      seq: { type: 'integer' },
      time: TIME,
      event: { type: 'string' },
      outcome: { enum: ['success', 'failure'] },
      agent_id: { type: ['string', 'null'] },
      actor: { type: ['string', 'null'] },
      source_ip: { type: ['string', 'null'] },
      reason: { type: ['string', 'null'] },
      request_id: { type: ['string', 'null'] },
      details: { type: 'object' },
      prev_hash: { type: 'string' },
      hash: { type: 'string' },
    },
  },
  AuditPage: {
    type: 'object',
    required: ['items'],
    properties: { items: { type: 'array', items: { $ref: '#/components/schemas/AuditRecord' } }, next_cursor: { type: 'string' } },
  },
  AuditVerdict: {
    type: 'object',
    required: ['ok', 'records_checked'],
    properties: {
      ok: { type: 'boolean' },
      records_checked: { type: 'integer' },
      last_seq: { type: 'integer', description: 'The head: the last record of the intact chain (0 for an empty log); absent when a link is broken.' },
      last_hash: { type: 'string', description: "The head's hash ('' for an empty log)." },
      first_bad_seq: { type: 'integer' },
      problem: { enum: ['edited', 'deleted', 'reordered', 'truncated', 'rewritten'] },
    },
  },
  TokenChainNode: {
    type: 'object',
    required: ['jti', 'parent_jti', 'sub', 'client_id', 'issued_at', 'expires_at', 'revoked', 'scope', 'aud', 'act', 'task_id'],
    properties: {
      jti: { type: 'string' },
      parent_jti: { type: ['string', 'null'] },
      sub: { type: 'string' },
      client_id: { type: 'string' },
      issued_at: TIME,
      expires_at: TIME,
      revoked: { type: 'boolean' },
      scope: { type: ['string', 'null'] },
      aud: { anyOf: [{ type: 'array', items: { type: 'string' } }, { type: 'null' }] },
      act: { anyOf: [{ type: 'object', description: 'RFC 8693 §4.1 actor claim' }, { type: 'null' }] },
      task_id: { type: ['string', 'null'] },
    },
  },
  TokenChain: {
    type: 'object',
    required: ['jti', 'ancestors', 'token', 'descendants', 'truncated'],
    properties: {
      jti: { type: 'string' },
      ancestors: { type: 'array', items: { $ref: '#/components/schemas/TokenChainNode' } },
      token: { $ref: '#/components/schemas/TokenChainNode' },
      descendants: { type: 'array', items: { $ref: '#/components/schemas/TokenChainNode' } },
      truncated: { type: 'boolean' },
    },
  },
  AgentToken: {
    type: 'object',
    description: "One of an agent's unexpired tokens (docs/admin-api.md, \"Agent tokens\"); the token itself is never stored.",
    required: ['jti', 'sub', 'client_id', 'parent_jti', 'issued_at', 'expires_at', 'revoked', 'scope', 'aud', 'binding', 'cnf'],
    properties: {
      jti: { type: 'string' },
      sub: { type: 'string' },
      client_id: { type: 'string' },
      parent_jti: { type: ['string', 'null'] },
      issued_at: TIME,
      expires_at: TIME,
      revoked: { type: 'boolean' },
      scope: { type: ['string', 'null'] },
      aud: { anyOf: [{ type: 'array', items: { type: 'string' } }, { type: 'null' }] },
      binding: { anyOf: [{ enum: ['bearer', 'dpop', 'mtls'] }, { type: 'null' }] },
      cnf: { anyOf: [{ type: 'object', additionalProperties: { type: 'string' }, description: 'RFC 7800 confirmation: jkt (RFC 9449) or x5t#S256 (RFC 8705)' }, { type: 'null' }] },
    },
  },
  AgentTokenPage: {
    type: 'object',
    required: ['items'],
    properties: { items: { type: 'array', items: { $ref: '#/components/schemas/AgentToken' } }, next_cursor: { type: 'string' } },
  },
  TokenRevocation: { type: 'object', required: ['jti', 'revoked'], properties: { jti: { type: 'string' }, revoked: { type: 'boolean' } } },
  TrustedIssuer: {
    type: 'object',
    description: 'An external issuer trusted for federated workload login (docs/federation.md).',
    required: ['id', 'issuer', 'jwks_uri', 'jwks', 'audiences', 'algorithms', 'max_token_lifetime', 'allow_token_reuse', 'created_at', 'updated_at'],
    properties: {
      id: { type: 'string' },
      issuer: { type: 'string' },
      jwks_uri: { type: ['string', 'null'] },
      jwks: { anyOf: [{ type: 'object', properties: { keys: { type: 'array', items: { type: 'object' } } } }, { type: 'null' }] },
      audiences: { type: 'array', items: { type: 'string' } },
      algorithms: { type: 'array', items: { type: 'string' } },
      max_token_lifetime: { type: 'integer' },
      allow_token_reuse: { type: 'boolean' },
      description: { type: 'string' },
      created_at: TIME,
      updated_at: TIME,
    },
  },
  TrustedIssuerList: { type: 'object', required: ['items'], properties: { items: { type: 'array', items: { $ref: '#/components/schemas/TrustedIssuer' } } } },
  BindingRule: {
    type: 'object',
    description: 'Maps JWTs of a trusted issuer whose claims (RFC 6901 JSON Pointer -> exact string) all match to one agent.',
    required: ['id', 'issuer_id', 'agent_id', 'claims', 'created_at', 'updated_at'],
    properties: {
      id: { type: 'string' },
      issuer_id: { type: 'string' },
      agent_id: { type: 'string' },
      claims: { type: 'object', additionalProperties: { type: 'string' } },
      description: { type: 'string' },
      created_at: TIME,
      updated_at: TIME,
    },
  },
  BindingRuleList: { type: 'object', required: ['items'], properties: { items: { type: 'array', items: { $ref: '#/components/schemas/BindingRule' } } } },
  Certificate: {
    type: 'object',
    description: 'An issued certificate (docs/ca.md); the certificate itself is never stored.',
    required: ['serial', 'agent_id', 'kind', 'ca_id', 'issued_at', 'not_after', 'revoked_at'],
    properties: {
      serial: { type: 'string', description: 'lowercase hex' },
      agent_id: { type: ['string', 'null'] },
      kind: { enum: ['agent', 'server'] },
      ca_id: { type: 'string' },
      issued_at: TIME,
      not_after: TIME,
      revoked_at: NULLABLE_TIME,
    },
  },
  CertificatePage: {
    type: 'object',
    required: ['items'],
    properties: { items: { type: 'array', items: { $ref: '#/components/schemas/Certificate' } }, next_cursor: { type: 'string' } },
  },
  IssuedCertificate: {
    type: 'object',
    required: ['spiffe_id', 'serial', 'certificate_chain', 'trust_bundle', 'expires_at'],
    properties: { spiffe_id: { type: 'string' }, serial: { type: 'string' }, certificate_chain: { type: 'string' }, trust_bundle: { type: 'string' }, expires_at: TIME },
  },
  CertificateAuthority: {
    type: 'object',
    required: ['trust_domain', 'active_id', 'authorities'],
    properties: {
      trust_domain: { type: 'string' },
      active_id: { type: ['string', 'null'] },
      authorities: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            id: { type: 'string' },
            kind: { enum: ['root', 'intermediate'] },
            state: { enum: [...KEY_SLOTS] },
            subject: { type: ['string', 'null'] },
            not_before: NULLABLE_TIME,
            not_after: TIME,
            external: { type: 'boolean' },
            has_key: { type: 'boolean' },
            activated_at: NULLABLE_TIME,
            certificate_pem: { type: ['string', 'null'] },
          },
        },
      },
    },
  },
  EnrollmentToken: {
    type: 'object',
    description: 'A one-time enrolment token (docs/agent-sdk.md); `token` is shown once and stored as SHA-256 only.',
    required: ['id', 'agent_id', 'token', 'expires_at'],
    properties: { id: { type: 'string' }, agent_id: { type: 'string' }, token: { type: 'string', description: 'Shown once.' }, expires_at: TIME },
  },
  OpenApiDocument: { type: 'object' },
};

const PROBLEM_RESPONSE = { description: 'Problem details', content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } };

/** `/agents/:id` -> `/agents/{id}` (OpenAPI 3.1 §4.8.2 path templating). */
export function openApiPath(fastifyUrl: string): string {
  return fastifyUrl.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

/**
 * The admin API's OpenAPI 3.1 document (`GET /admin/v1/openapi.json`), generated from the very
 * route descriptions the admin app registers, so it lists exactly the routes that exist.
 */
export function buildAdminOpenApi(routes: readonly AdminRouteDescription[], options: { serverUrl: string }): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const path = openApiPath(route.url);
    const item = (paths[path] ??= {});
    item[route.method.toLowerCase()] = operation(route);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'agentauth admin API',
      version: '1',
      description: 'Manage agents, credentials, signing keys and the audit log (docs/admin-api.md).',
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    servers: [{ url: options.serverUrl }],
    security: [{ bearer: [] }],
    paths,
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description: 'The bootstrap token, or an agentauth access token with scope agentauth:admin and the issuer as audience.',
        },
      },
      schemas: COMPONENT_SCHEMAS,
    },
  };
}

function operation(route: AdminRouteDescription): Record<string, unknown> {
  const parameters: Record<string, unknown>[] = [];
  for (const [where, schema] of [['path', route.schema.params], ['query', route.schema.querystring]] as const) {
    const properties = (schema?.['properties'] ?? {}) as Record<string, JsonSchema>;
    const required = (schema?.['required'] ?? []) as string[];
    for (const [name, propertySchema] of Object.entries(properties)) {
      parameters.push({
        name,
        in: where,
        required: where === 'path' || required.includes(name),
        schema: propertySchema,
        ...(propertySchema['type'] === 'array' ? { style: 'form', explode: true } : {}),
      });
    }
  }
  const success = route.success;
  const successResponse =
    success.schema === null
      ? { description: 'Done' }
      : { description: 'Success', content: { [success.mediaType ?? 'application/json']: { schema: { $ref: `#/components/schemas/${success.schema}` } } } };
  return {
    operationId: route.operationId,
    summary: route.summary,
    ...(route.authenticated ? {} : { security: [] }),
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(route.schema.body === undefined
      ? {}
      : { requestBody: { required: route.bodyOptional !== true, content: { 'application/json': { schema: route.schema.body } } } }),
    responses: { [String(success.status)]: successResponse, default: PROBLEM_RESPONSE },
  };
}
