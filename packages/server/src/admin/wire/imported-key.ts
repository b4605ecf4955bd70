import { Type, type Static } from 'typebox';
import { IMPORTED_KEY_ID_PATTERN, MAX_IMPORT_BATCH, MAX_IMPORTED_KEY_LIST } from '../../imported-keys/imported-key-service.js';
import type { ImportedKeyRecord } from '../../store/ports/imported-key-store.js';
import { AgentId } from './agent.js';
import { NullableTime, rfc3339, rfc3339OrNull, StringMap, Time } from './primitives.js';

/** Imported third-party keys on the admin API's wire (docs/admin-api.md, "Imported keys"). */

/** `{ key_id }` path parameters. */
export const ImportedKeyParams = Type.Object({ key_id: Type.String({ pattern: IMPORTED_KEY_ID_PATTERN.source }) }, { additionalProperties: false });

/**
 * `POST /imported-keys/import` body. Each line is checked by the service, not here, so that every
 * line at fault is reported at once (`lines` of the problem) rather than the first schema error.
 */
export const ImportKeysRequest = Type.Object(
  {
    keys: Type.Array(Type.Unknown(), {
      minItems: 1,
      maxItems: MAX_IMPORT_BATCH,
      description: 'Lines { key_digest, agent_id, owner?, scopes?, resources?, labels?, expires_at?, line? } (docs/migration.md).',
    }),
  },
  { additionalProperties: false },
);

/** `GET /imported-keys` query. */
export const ListImportedKeysQuery = Type.Object(
  { agent_id: Type.Optional(AgentId), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_IMPORTED_KEY_LIST })) },
  { additionalProperties: false },
);

/** An imported key as the admin API shows it: never its digest. Usage as a managed key's. */
export const ImportedKey = Type.Object(
  {
    id: Type.String(),
    agent_id: Type.String(),
    owner: Type.String(),
    scopes: Type.Array(Type.String()),
    resources: Type.Array(Type.String()),
    labels: StringMap(Type.String()),
    imported_at: Time,
    expires_at: Time,
    revoked_at: NullableTime,
    status: Type.Union([Type.Literal('active'), Type.Literal('expired'), Type.Literal('revoked')]),
    usage: Type.Object({ count: Type.Integer(), last_used_at: NullableTime, source_addresses: Type.Array(Type.String()) }),
  },
  { description: 'A third-party key imported by its SHA-256 (docs/migration.md); neither the key nor its digest is ever shown.' },
);
export type ImportedKey = Static<typeof ImportedKey>;

/** A page of imported keys, and the answer to an import. */
export const ImportedKeyList = Type.Object({ items: Type.Array(ImportedKey) });
export type ImportedKeyList = Static<typeof ImportedKeyList>;

/** The wire form of an imported key at `now`. */
export function importedKeyToJson(record: ImportedKeyRecord, now: number): ImportedKey {
  const status = record.revokedAt !== null ? 'revoked' : record.expiresAt <= now ? 'expired' : 'active';
  return {
    id: record.id,
    agent_id: record.agentId,
    owner: record.owner,
    scopes: [...record.scopes],
    resources: [...record.resources],
    labels: { ...record.labels },
    imported_at: rfc3339(record.importedAt),
    expires_at: rfc3339(record.expiresAt),
    revoked_at: rfc3339OrNull(record.revokedAt),
    status,
    usage: { count: record.useCount, last_used_at: rfc3339OrNull(record.lastUsedAt), source_addresses: [...record.sourceAddresses] },
  };
}
