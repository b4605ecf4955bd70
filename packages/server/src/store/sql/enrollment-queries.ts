import type { Selectable } from 'kysely';
import type { ConsumeRefusal, EnrollmentStore, EnrollmentTokenRecord } from '../ports/enrollment-store.js';
import type { EnrollmentTokensTable } from './enrollment-tables.js';
import type { SqlContext } from './sql-context.js';
import type { AuditInput } from '../records.js';
import { appendAuditInTransaction } from './commit-units.js';

/** One-time enrolment tokens (`EnrollmentStore`) over Kysely, for SQLite and PostgreSQL alike. */
export function sqlEnrollmentStore(ctx: SqlContext): EnrollmentStore {
  return {
    async createEnrollmentToken(record: EnrollmentTokenRecord, audit: readonly AuditInput[] = []): Promise<void> {
      await ctx.write(async (db) => {
        await db
          .insertInto('enrollment_tokens')
          .values({
            token_hash: record.tokenHash,
            id: record.id,
            agent_id: record.agentId,
            created_at: record.createdAt,
            expires_at: record.expiresAt,
            used_at: record.usedAt,
          })
          .execute();
        await appendAuditInTransaction(ctx, db, audit);
      });
    },

    async consumeEnrollmentToken(
      tokenHash: string,
      now: number,
    ): Promise<{ ok: true; record: EnrollmentTokenRecord } | { ok: false; reason: ConsumeRefusal; agentId?: string }> {
      // House rule 7: the single-use check IS the write. The read afterwards only explains a refusal.
      const result = await ctx.write((db) =>
        db
          .updateTable('enrollment_tokens')
          .set({ used_at: now })
          .where('token_hash', '=', tokenHash)
          .where('used_at', 'is', null)
          .where('expires_at', '>', now)
          .executeTakeFirst(),
      );
      const row = await ctx.db.selectFrom('enrollment_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
      if (Number(result.numUpdatedRows) === 1 && row !== undefined) return { ok: true, record: fromRow(row) };
      if (row === undefined) return { ok: false, reason: 'unknown' };
      return { ok: false, reason: row.used_at !== null ? 'used' : 'expired', agentId: row.agent_id };
    },

    async pruneEnrollmentTokens(before: number): Promise<number> {
      const result = await ctx.write((db) => db.deleteFrom('enrollment_tokens').where('expires_at', '<', before).executeTakeFirst());
      return Number(result.numDeletedRows);
    },
  };
}

function fromRow(row: Selectable<EnrollmentTokensTable>): EnrollmentTokenRecord {
  return {
    id: row.id,
    tokenHash: row.token_hash,
    agentId: row.agent_id,
    createdAt: Number(row.created_at),
    expiresAt: Number(row.expires_at),
    usedAt: row.used_at === null ? null : Number(row.used_at),
  };
}
