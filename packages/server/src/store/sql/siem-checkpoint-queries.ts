import type { Selectable } from 'kysely';
import type { SiemCheckpointRecord, SiemCheckpointStore } from '../ports/siem-checkpoint-store.js';
import type { SiemCheckpointsTable } from './siem-checkpoint-tables.js';
import type { SqlContext } from './sql-context.js';

/** The longest error text kept. */
const MAX_ERROR_LENGTH = 500;

/** The SIEM exporter's checkpoints (`SiemCheckpointStore`) over Kysely, for SQLite and PostgreSQL alike. */
export function sqlSiemCheckpointStore(ctx: SqlContext): SiemCheckpointStore {
  const read = async (sink: string) => ctx.db.selectFrom('siem_checkpoints').selectAll().where('sink', '=', sink).executeTakeFirst();
  return {
    async openSiemCheckpoint(sink: string): Promise<SiemCheckpointRecord> {
      const existing = await read(sink);
      if (existing !== undefined) return fromRow(existing);
      await ctx.write((db) =>
        db
          .insertInto('siem_checkpoints')
          .values({ sink, seq: 0, exported_at: null, last_error: null, last_error_at: null, holder: null, held_until: null })
          .onConflict((oc) => oc.column('sink').doNothing())
          .execute(),
      );
      const row = await read(sink);
      if (row === undefined) throw new Error(`the SIEM checkpoint of ${sink} vanished`);
      return fromRow(row);
    },

    async advanceSiemCheckpoint(sink: string, fromSeq: number, toSeq: number, now: number): Promise<boolean> {
      if (!Number.isSafeInteger(fromSeq) || !Number.isSafeInteger(toSeq) || toSeq <= fromSeq) throw new TypeError('toSeq must be an integer greater than fromSeq');
      const result = await ctx.write((db) =>
        db.updateTable('siem_checkpoints').set({ seq: toSeq, exported_at: now }).where('sink', '=', sink).where('seq', '=', fromSeq).executeTakeFirst(),
      );
      return Number(result.numUpdatedRows) === 1;
    },

    async claimSiemSink(sink: string, holder: string, now: number, leaseMs: number): Promise<boolean> {
      const result = await ctx.write((db) =>
        db
          .updateTable('siem_checkpoints')
          .set({ holder, held_until: now + leaseMs })
          .where('sink', '=', sink)
          .where((eb) => eb.or([eb('holder', 'is', null), eb('holder', '=', holder), eb('held_until', '<=', now)]))
          .executeTakeFirst(),
      );
      return Number(result.numUpdatedRows) === 1;
    },

    async releaseSiemSink(sink: string, holder: string): Promise<void> {
      await ctx.write((db) => db.updateTable('siem_checkpoints').set({ holder: null, held_until: null }).where('sink', '=', sink).where('holder', '=', holder).execute());
    },

    async recordSiemError(sink: string, error: string, now: number): Promise<void> {
      await ctx.write((db) =>
        db.updateTable('siem_checkpoints').set({ last_error: error.slice(0, MAX_ERROR_LENGTH), last_error_at: now }).where('sink', '=', sink).execute(),
      );
    },

    async listSiemCheckpoints(): Promise<SiemCheckpointRecord[]> {
      const rows = await ctx.db.selectFrom('siem_checkpoints').selectAll().orderBy('sink').execute();
      return rows.map(fromRow);
    },
  };
}

function fromRow(row: Selectable<SiemCheckpointsTable>): SiemCheckpointRecord {
  return {
    sink: row.sink,
    seq: Number(row.seq),
    exportedAt: row.exported_at === null ? null : Number(row.exported_at),
    lastError: row.last_error,
    lastErrorAt: row.last_error_at === null ? null : Number(row.last_error_at),
  };
}
