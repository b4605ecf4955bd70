import type { Kysely, Selectable } from 'kysely';
import type { ApiKeyFilter, ApiKeyRecord, ApiKeyStore } from '../ports/api-key-store.js';
import type { ApiKeysTable } from './api-key-tables.js';
import type { Database } from './database.js';
import { appendAuditInTransaction } from './commit-units.js';
import { fromJson, toJson } from './json.js';
import { recordKeyUse, type KeyUsageColumns } from './key-usage-queries.js';
import type { SqlContext } from './sql-context.js';

/** Managed API keys (`ApiKeyStore`) over Kysely, for SQLite and PostgreSQL alike. */
export function sqlApiKeyStore(ctx: SqlContext): ApiKeyStore {
  const insert = (db: Kysely<Database>, record: ApiKeyRecord) => db.insertInto('api_keys').values(toRow(record)).execute();
  return {
    async createApiKey(record, audit) {
      await ctx.write(async (db) => {
        await insert(db, record);
        await appendAuditInTransaction(ctx, db, audit);
      });
    },

    async getApiKey(id) {
      const row = await ctx.db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
      return row === undefined ? undefined : fromRow(row);
    },

    async findApiKeyByHash(keyHash) {
      const row = await ctx.db.selectFrom('api_keys').selectAll().where('key_hash', '=', keyHash).executeTakeFirst();
      return row === undefined ? undefined : fromRow(row);
    },

    async listApiKeys(filter: ApiKeyFilter) {
      let query = ctx.db.selectFrom('api_keys').selectAll();
      if (filter.agentId !== undefined) query = query.where('agent_id', '=', filter.agentId);
      const rows = await query.orderBy('created_at').orderBy('id').limit(filter.limit).execute();
      return rows.map(fromRow);
    },

    async rotateApiKey(id, successor, overlapEndsAt, now, audit) {
      return ctx.write(async (db) => {
        const row = await db.selectFrom('api_keys').select(['expires_at']).where('id', '=', id).executeTakeFirst();
        if (row === undefined) return false;
        // The conditional write decides: a concurrent revocation or rotation leaves nothing to update.
        const updated = await db
          .updateTable('api_keys')
          .set({ expires_at: Math.min(Number(row.expires_at), overlapEndsAt) })
          .where('id', '=', id)
          .where('revoked_at', 'is', null)
          .where('expires_at', '>', now)
          .executeTakeFirst();
        if (Number(updated.numUpdatedRows) !== 1) return false;
        await insert(db, successor);
        await appendAuditInTransaction(ctx, db, audit);
        return true;
      });
    },

    async revokeApiKey(id, now, audit) {
      return ctx.write(async (db) => {
        const updated = await db.updateTable('api_keys').set({ revoked_at: now }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
        if (Number(updated.numUpdatedRows) !== 1) return false;
        await appendAuditInTransaction(ctx, db, audit);
        return true;
      });
    },

    async recordApiKeyUse(id, now, sourceAddress, maxAddresses) {
      await ctx.write((db) => recordKeyUse(db as unknown as Kysely<Record<string, KeyUsageColumns>>, 'api_keys', id, now, sourceAddress, maxAddresses));
    },
  };
}

function toRow(record: ApiKeyRecord): ApiKeysTable {
  return {
    id: record.id,
    key_hash: record.keyHash,
    agent_id: record.agentId,
    owner: record.owner,
    scopes: toJson(record.scopes),
    resources: toJson(record.resources),
    labels: toJson(record.labels),
    created_at: record.createdAt,
    expires_at: record.expiresAt,
    revoked_at: record.revokedAt,
    replaces_id: record.replacesId,
    last_used_at: record.lastUsedAt,
    use_count: record.useCount,
    source_addresses: toJson(record.sourceAddresses),
  };
}

function fromRow(row: Selectable<ApiKeysTable>): ApiKeyRecord {
  const time = (value: number | string | null): number | null => (value === null ? null : Number(value));
  return {
    id: row.id,
    keyHash: row.key_hash,
    agentId: row.agent_id,
    owner: row.owner,
    scopes: fromJson<string[]>(row.scopes),
    resources: fromJson<string[]>(row.resources),
    labels: fromJson<Record<string, string>>(row.labels),
    createdAt: Number(row.created_at),
    expiresAt: Number(row.expires_at),
    revokedAt: time(row.revoked_at),
    replacesId: row.replaces_id,
    lastUsedAt: time(row.last_used_at),
    useCount: Number(row.use_count),
    sourceAddresses: fromJson<string[]>(row.source_addresses),
  };
}
