import type { Selectable } from 'kysely';
import type { AuditCheckpointRecord, AuditCheckpointStore } from '../ports/audit-checkpoint-store.js';
import type { Page, PageRequest } from '../ports/page.js';
import type { AuditCheckpointsTable } from './audit-checkpoint-tables.js';
import { checkLimit, decodeSeqCursor, encodeSeqCursor, toPage } from './pagination.js';
import type { SqlContext } from './sql-context.js';

/** Audit checkpoints (`AuditCheckpointStore`) over Kysely, for SQLite and PostgreSQL alike. */
export function sqlAuditCheckpointStore(ctx: SqlContext): AuditCheckpointStore {
  return {
    async readAuditHead(): Promise<{ seq: number; hash: string } | undefined> {
      // The last record itself, not the chain head row: a checkpoint vouches for what a verifier
      // reads back through the records.
      const row = await ctx.db.selectFrom('audit_log').select(['seq', 'hash']).orderBy('seq', 'desc').limit(1).executeTakeFirst();
      return row === undefined ? undefined : { seq: Number(row.seq), hash: row.hash };
    },

    async insertAuditCheckpoint(record: AuditCheckpointRecord): Promise<boolean> {
      return ctx.write(async (db) => {
        const inserted = await db
          .insertInto('audit_checkpoints')
          .values({ checkpoint: record.checkpoint, seq: record.seq, hash: record.hash, created_at: record.createdAt, kid: record.kid, jws: record.jws })
          .onConflict((oc) => oc.column('checkpoint').doNothing())
          .returning('checkpoint')
          .execute();
        return inserted.length === 1;
      });
    },

    async latestAuditCheckpoint(): Promise<AuditCheckpointRecord | undefined> {
      const row = await ctx.db.selectFrom('audit_checkpoints').selectAll().orderBy('checkpoint', 'desc').limit(1).executeTakeFirst();
      return row === undefined ? undefined : fromRow(row);
    },

    /** Ordered by number; the cursor is the last number seen (decimal), a `RangeError` when malformed. */
    async listAuditCheckpoints(page: PageRequest): Promise<Page<AuditCheckpointRecord>> {
      const limit = checkLimit(page.limit);
      let query = ctx.db.selectFrom('audit_checkpoints').selectAll();
      if (page.after !== undefined) query = query.where('checkpoint', '>', decodeSeqCursor(page.after));
      const rows = await query.orderBy('checkpoint').limit(limit + 1).execute();
      return toPage(rows.map(fromRow), { limit }, (last) => encodeSeqCursor(last.checkpoint));
    },
  };
}

function fromRow(row: Selectable<AuditCheckpointsTable>): AuditCheckpointRecord {
  return { checkpoint: Number(row.checkpoint), seq: Number(row.seq), hash: row.hash, createdAt: Number(row.created_at), kid: row.kid, jws: row.jws };
}
