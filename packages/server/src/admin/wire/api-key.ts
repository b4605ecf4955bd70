import { Type, type Static } from 'typebox';
import { AGENT_LIMITS, LABEL_KEY_PATTERN } from '../../agents/validate-agent-input.js';
import { API_KEY_ID_PATTERN, MAX_API_KEY_LIST, MAX_API_KEY_OVERLAP_SECONDS, MIN_API_KEY_TTL_SECONDS } from '../../api-keys/api-key-service.js';
import type { ApiKeyRecord } from '../../store/ports/api-key-store.js';
import { AgentId } from './agent.js';
import { NullableString, NullableTime, rfc3339, rfc3339OrNull, StringMap, Time } from './primitives.js';

/** Managed API keys on the admin API's wire (docs/admin-api.md, "API keys"). */

const ApiKeyId = Type.String({ pattern: API_KEY_ID_PATTERN.source });
// The service checks the upper bound against the apiKeyMaxTtl setting.
const Ttl = Type.Integer({ minimum: MIN_API_KEY_TTL_SECONDS, description: 'Seconds, at most the apiKeyMaxTtl setting.' });

/** `{ key_id }` path parameters. */
export const ApiKeyParams = Type.Object({ key_id: ApiKeyId }, { additionalProperties: false });

/** `POST /agents/{id}/api-keys` body: `ttl` is mandatory, every key expires. */
export const CreateApiKeyRequest = Type.Object(
  {
    ttl: Ttl,
    scopes: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: AGENT_LIMITS.scopeMax }), { maxItems: AGENT_LIMITS.scopesMax })),
    resources: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: AGENT_LIMITS.uriMax }), { maxItems: AGENT_LIMITS.resourcesMax })),
    owner: Type.Optional(Type.String({ minLength: 1, maxLength: AGENT_LIMITS.ownerMax })),
    labels: Type.Optional(
      StringMap(Type.String({ maxLength: AGENT_LIMITS.labelValueMax }), { maxProperties: AGENT_LIMITS.labelsMax, propertyNames: { pattern: LABEL_KEY_PATTERN.source } }),
    ),
  },
  { additionalProperties: false },
);
export type CreateApiKeyRequest = Static<typeof CreateApiKeyRequest>;

/** `POST /api-keys/{key_id}/rotate` body. */
export const RotateApiKeyRequest = Type.Object(
  {
    overlap: Type.Integer({ minimum: 0, maximum: MAX_API_KEY_OVERLAP_SECONDS, description: 'Seconds the old key keeps working.' }),
    ttl: Type.Optional(Ttl),
  },
  { additionalProperties: false },
);

/** `GET /api-keys` query. */
export const ListApiKeysQuery = Type.Object(
  { agent_id: Type.Optional(AgentId), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_API_KEY_LIST })) },
  { additionalProperties: false },
);

/** A managed API key as the admin API shows it: never the key nor its digest. */
export const ApiKey = Type.Object(
  {
    id: Type.String(),
    agent_id: Type.String(),
    owner: Type.String(),
    scopes: Type.Array(Type.String()),
    resources: Type.Array(Type.String()),
    labels: StringMap(Type.String()),
    created_at: Time,
    expires_at: Time,
    revoked_at: NullableTime,
    replaces_id: NullableString,
    status: Type.Union([Type.Literal('active'), Type.Literal('expired'), Type.Literal('revoked')]),
    usage: Type.Object({ count: Type.Integer(), last_used_at: NullableTime, source_addresses: Type.Array(Type.String()) }),
  },
  { description: 'A managed API key (docs/migration.md); the key itself is shown once, on creation or rotation.' },
);
export type ApiKey = Static<typeof ApiKey>;

/** A key just made: its metadata and, this once, the key. */
export const CreatedApiKey = Type.Object({ api_key: ApiKey, key: Type.String({ description: 'Shown once; stored as SHA-256 only.' }) });
export type CreatedApiKey = Static<typeof CreatedApiKey>;

/** A page of keys. */
export const ApiKeyList = Type.Object({ items: Type.Array(ApiKey) });
export type ApiKeyList = Static<typeof ApiKeyList>;

/** The wire form of a key record at `now`. */
export function apiKeyToJson(record: ApiKeyRecord, now: number): ApiKey {
  const status = record.revokedAt !== null ? 'revoked' : record.expiresAt <= now ? 'expired' : 'active';
  return {
    id: record.id,
    agent_id: record.agentId,
    owner: record.owner,
    scopes: [...record.scopes],
    resources: [...record.resources],
    labels: { ...record.labels },
    created_at: rfc3339(record.createdAt),
    expires_at: rfc3339(record.expiresAt),
    revoked_at: rfc3339OrNull(record.revokedAt),
    replaces_id: record.replacesId,
    status,
    usage: { count: record.useCount, last_used_at: rfc3339OrNull(record.lastUsedAt), source_addresses: [...record.sourceAddresses] },
  };
}
