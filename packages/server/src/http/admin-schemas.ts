import { AUDIT_EVENTS } from '../audit/events.js';
import { CLIENT_AUTH_METHODS, GRANT_TYPES } from '@agentauth/protocol';
import { AGENT_ID_PATTERN, CREDENTIAL_ID_PATTERN } from '../agents/agent-ids.js';
import { AGENT_LIMITS, LABEL_KEY_PATTERN } from '../agents/validate-agent-input.js';

/**
 * JSON Schemas (draft 2020-12 subset that Ajv and OpenAPI 3.1 share) of the admin API's inputs.
 * Fastify validates every request against them (strictly: unknown members are refused, nothing is
 * coerced in bodies), and the OpenAPI document is generated from the same objects, so the two
 * cannot drift. The service re-checks every rule the schemas cannot express.
 */
export type JsonSchema = Record<string, unknown>;

const AGENT_ID = { type: 'string', pattern: AGENT_ID_PATTERN.source } as const;
const CREDENTIAL_ID = { type: 'string', pattern: CREDENTIAL_ID_PATTERN.source } as const;
const URI = { type: 'string', minLength: 1, maxLength: AGENT_LIMITS.uriMax } as const;

/** Admin request bodies are at most 64 KiB (DESIGN.md §7: bound every input). */
export const ADMIN_BODY_LIMIT = 64 * 1024;

const agentFields = {
  name: { type: 'string', minLength: 1, maxLength: AGENT_LIMITS.nameMax },
  owner: { type: 'string', minLength: 1, maxLength: AGENT_LIMITS.ownerMax },
  description: { type: 'string', maxLength: AGENT_LIMITS.descriptionMax },
  scopes: { type: 'array', maxItems: AGENT_LIMITS.scopesMax, items: { type: 'string', minLength: 1, maxLength: AGENT_LIMITS.scopeMax } },
  resources: { type: 'array', maxItems: AGENT_LIMITS.resourcesMax, items: URI },
  grant_types: { type: 'array', minItems: 1, maxItems: GRANT_TYPES.length, items: { type: 'string', enum: [...GRANT_TYPES] } },
  token_endpoint_auth_method: { type: 'string', enum: [...CLIENT_AUTH_METHODS] },
  access_token_ttl: {
    anyOf: [{ type: 'integer', minimum: AGENT_LIMITS.accessTokenTtlMin, maximum: AGENT_LIMITS.accessTokenTtlMax }, { type: 'null' }],
  },
  labels: {
    type: 'object',
    maxProperties: AGENT_LIMITS.labelsMax,
    propertyNames: { pattern: LABEL_KEY_PATTERN.source },
    additionalProperties: { type: 'string', maxLength: AGENT_LIMITS.labelValueMax },
  },
  jwks_uri: { anyOf: [URI, { type: 'null' }] },
  // RFC 8705 §2.1.2 and §3.4; the service checks the syntax and that exactly one subject is set.
  tls_client_auth_san_uri: { anyOf: [URI, { type: 'null' }] },
  tls_client_auth_san_dns: { anyOf: [{ type: 'string', minLength: 1, maxLength: 253 }, { type: 'null' }] },
  tls_client_auth_subject_dn: { anyOf: [{ type: 'string', minLength: 1, maxLength: 1024 }, { type: 'null' }] },
  tls_client_certificate_bound_access_tokens: { type: 'boolean' },
  // RFC 9449 §5.2
  dpop_bound_access_tokens: { type: 'boolean' },
} as const;

/** A JWK as sent: an object whose content the service checks (public members only). */
const JWK = { type: 'object', maxProperties: 32 } as const;

/** `POST /agents` body. */
export const createAgentBody: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'owner'],
  properties: {
    ...agentFields,
    jwks: {
      type: 'object',
      additionalProperties: false,
      required: ['keys'],
      properties: { keys: { type: 'array', maxItems: AGENT_LIMITS.credentialsMax, items: JWK } },
    },
  },
};

/** `PATCH /agents/{id}` body: any subset of the agent's fields. */
export const patchAgentBody: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: agentFields,
};

/** `POST /agents/{id}/credentials` body. */
export const addCredentialBody: JsonSchema = {
  oneOf: [
    { type: 'object', additionalProperties: false, required: ['type', 'jwk'], properties: { type: { const: 'jwk' }, jwk: JWK } },
    { type: 'object', additionalProperties: false, required: ['type'], properties: { type: { const: 'secret' } } },
  ],
};

/** `POST /keys/rotate` body (optional). */
export const rotateKeysBody: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: { force: { type: 'boolean' } },
};

/** Path parameters of `/agents/{id}...`. */
export const agentParams: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id'],
  properties: { id: AGENT_ID },
};

/** Path parameters of `/agents/{id}/credentials/{credential_id}`. */
export const credentialParams: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'credential_id'],
  properties: { id: AGENT_ID, credential_id: CREDENTIAL_ID },
};

const pagination = {
  limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
  cursor: { type: 'string', minLength: 1, maxLength: 512 },
} as const;

/** `GET /agents` query. */
export const listAgentsQuery: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    status: { type: 'string', enum: ['active', 'suspended', 'disabled'] },
    owner: { type: 'string', minLength: 1, maxLength: AGENT_LIMITS.ownerMax },
    name: { type: 'string', minLength: 1, maxLength: AGENT_LIMITS.nameMax },
    label: {
      type: 'array',
      maxItems: AGENT_LIMITS.labelsMax,
      items: { type: 'string', maxLength: 64 + AGENT_LIMITS.labelValueMax, pattern: '^[a-z0-9_./-]{1,63}=' },
    },
    ...pagination,
  },
};

/** `GET /agents/{id}/tokens` query. */
export const agentTokensQuery: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: pagination,
};

const auditFilters = {
  agent_id: AGENT_ID,
  event: { type: 'string', enum: [...AUDIT_EVENTS] },
  outcome: { type: 'string', enum: ['success', 'failure'] },
  from: { type: 'string', format: 'date-time' },
  to: { type: 'string', format: 'date-time' },
} as const;

/** `GET /audit` query. */
export const auditQuery: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: { ...auditFilters, ...pagination },
};

/** `GET /audit/export` query. */
export const auditExportQuery: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: auditFilters,
};

/**
 * `POST /audit/verify` body (optional): the head an earlier verification printed, kept outside the
 * database, which the chain must still hold (docs/events.md, "Hash chain").
 */
export const verifyAuditBody: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    expect_head: {
      type: 'object',
      additionalProperties: false,
      required: ['seq', 'hash'],
      properties: {
        seq: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER },
        // base64url of a SHA-256 digest
        hash: { type: 'string', pattern: '^[A-Za-z0-9_-]{43}$' },
      },
    },
  },
};
