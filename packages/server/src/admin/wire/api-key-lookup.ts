import { Type, type Static } from 'typebox';
import { ApiKey } from './api-key.js';

/**
 * The lookup of a managed API key by its digest on the admin API's wire (docs/admin-api.md,
 * "API keys"): what a leak scanner asks of a key it found, without sending the key.
 */

/** `POST /api-keys/lookup` body: the key's SHA-256 as lowercase hex, what `sha256sum` prints. */
export const LookupApiKeyRequest = Type.Object(
  { key_sha256: Type.String({ pattern: '^[0-9a-f]{64}$', description: 'Lowercase hex SHA-256 of the key.' }) },
  { additionalProperties: false },
);
export type LookupApiKeyRequest = Static<typeof LookupApiKeyRequest>;

/** What a found key is now; `unknown` when no key has that digest. */
export const ApiKeyLookupStatus = Type.Union([Type.Literal('live'), Type.Literal('revoked'), Type.Literal('expired'), Type.Literal('unknown')]);
export type ApiKeyLookupStatus = Static<typeof ApiKeyLookupStatus>;

/** The answer: the status, and the key's metadata (never the key nor its digest) unless it is unknown. */
export const ApiKeyLookup = Type.Object(
  { status: ApiKeyLookupStatus, api_key: Type.Optional(ApiKey) },
  { description: 'A managed API key found by its digest (docs/migration.md, "Finding leaked keys").' },
);
export type ApiKeyLookup = Static<typeof ApiKeyLookup>;
