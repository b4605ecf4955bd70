import type { Kysely, Selectable } from 'kysely';
import { ConflictError } from '../ports/conflict-error.js';
import type { ImportedKeyFilter, ImportedKeyRecord, ImportedKeyStore } from '../ports/imported-key-store.js';
import { appendAuditInTransaction } from './commit-units.js';
import type { Database } from './database.js';
import type { ImportedKeysTable } from './imported-key-tables.js';
import { fromJson, toJson } from './json.js';
import { recordKeyUse, type KeyUsageColumns } from './key-usage-queries.js';
import type { SqlContext } from './sql-context.js';

/** Rows inserted per statement: well under SQLite's and PostgreSQL's bound-parameter limits. */
const INSERT_CHUNK = 200;

/** Imported third-party keys (`ImportedKeyStore`) over Kysely, for SQLite and PostgreSQL alike. */
export function sqlImportedKeyStore(ctx: SqlContext): ImportedKeyStore {
  return {
    async importKeys(records, audit) {
      if (records.length === 0) return;
      try {
        await ctx.write(async (db) => {
          for (let i = 0; i < records.length; i += INSERT_CHUNK) {
            await db.insertInto('imported_keys').values(records.slice(i, i + INSERT_CHUNK).map(toRow)).execute();
          }
          await appendAuditInTransaction(ctx, db, audit);
        });
      } catch (error) {
        if (ctx.dialect.isUniqueViolation(error)) throw new ConflictError('a key with this digest is already imported');
        throw error;
      }
    },

    async getImportedKey(id) {
      const row = await ctx.db.selectFrom('imported_keys').selectAll().where('id', '=', id).executeTakeFirst();
      return row === undefined ? undefined : fromRow(row);
    },

    async findImportedKeyByDigest(keyDigest) {
      const row = await ctx.db.selectFrom('imported_keys').selectAll().where('key_digest', '=', keyDigest).executeTakeFirst();
      return row === undefined ? undefined : fromRow(row);
    },

    async knownImportedKeyDigests(keyDigests) {
      const known = new Set<string>();
      for (let i = 0; i < keyDigests.length; i += INSERT_CHUNK) {
        const chunk = keyDigests.slice(i, i + INSERT_CHUNK);
        if (chunk.length === 0) continue;
        const rows = await ctx.db.selectFrom('imported_keys').select(['key_digest']).where('key_digest', 'in', chunk).execute();
        for (const row of rows) known.add(row.key_digest);
      }
      return known;
    },

    async listImportedKeys(filter: ImportedKeyFilter) {
      let query = ctx.db.selectFrom('imported_keys').selectAll();
      if (filter.agentId !== undefined) query = query.where('agent_id', '=', filter.agentId);
      const rows = await query.orderBy('imported_at').orderBy('id').limit(filter.limit).execute();
      return rows.map(fromRow);
    },

    async revokeImportedKey(id, now, audit) {
      return ctx.write(async (db) => {
        const updated = await db.updateTable('imported_keys').set({ revoked_at: now }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
        if (Number(updated.numUpdatedRows) !== 1) return false;
        await appendAuditInTransaction(ctx, db, audit);
        return true;
      });
    },

    async recordImportedKeyUse(id, now, sourceAddress, maxAddresses) {
      await ctx.write((db) => recordKeyUse(db as unknown as Kysely<Record<string, KeyUsageColumns>>, 'imported_keys', id, now, sourceAddress, maxAddresses));
    },
  };
}

function toRow(record: ImportedKeyRecord): ImportedKeysTable {
  return {
    id: record.id,
    key_digest: record.keyDigest,
    agent_id: record.agentId,
    owner: record.owner,
    scopes: toJson(record.scopes),
    resources: toJson(record.resources),
    labels: toJson(record.labels),
    imported_at: record.importedAt,
    expires_at: record.expiresAt,
    revoked_at: record.revokedAt,
    last_used_at: record.lastUsedAt,
    use_count: record.useCount,
    source_addresses: toJson(record.sourceAddresses),
  };
}

function fromRow(row: Selectable<Database['imported_keys']>): ImportedKeyRecord {
  const time = (value: number | string | null): number | null => (value === null ? null : Number(value));
  return {
    id: row.id,
    keyDigest: row.key_digest,
    agentId: row.agent_id,
    owner: row.owner,
    scopes: fromJson<string[]>(row.scopes),
    resources: fromJson<string[]>(row.resources),
    labels: fromJson<Record<string, string>>(row.labels),
    importedAt: Number(row.imported_at),
    expiresAt: Number(row.expires_at),
    revokedAt: time(row.revoked_at),
    lastUsedAt: time(row.last_used_at),
    useCount: Number(row.use_count),
    sourceAddresses: fromJson<string[]>(row.source_addresses),
  };
}
