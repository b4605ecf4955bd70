import { sql, type Kysely } from 'kysely';
import type { Database } from './database.js';
import type { SqlDialect } from './dialect.js';
import type { Gate } from './write-gate.js';

/**
 * What every store concern shares: the query builder, the dialect's quirks, and the one way to
 * run a write transaction.
 */
export class SqlContext {
  constructor(
    readonly db: Kysely<Database>,
    readonly dialect: SqlDialect,
    private readonly gate: Gate,
  ) {}

  /**
   * Runs `work` in one write transaction on one connection and commits it, or rolls it back and
   * rethrows. Every mutation goes through here, so on SQLite no two writes of this process ever
   * overlap (see `WriteGate`) and a plan callback cannot interleave with another write.
   */
  write<T>(work: (db: Kysely<Database>) => Promise<T>): Promise<T> {
    return this.gate.run(() =>
      this.db.connection().execute(async (conn) => {
        await sql.raw(this.dialect.beginWrite).execute(conn);
        try {
          const result = await work(conn);
          await sql.raw('commit').execute(conn);
          return result;
        } catch (error) {
          // The original error is what matters; a failed rollback (lost connection) adds nothing.
          await sql
            .raw('rollback')
            .execute(conn)
            .catch(() => undefined);
          throw error;
        }
      }),
    );
  }

  /**
   * Runs `work` while no other write of this process runs on the same database, outside any
   * transaction of ours: for Kysely's migrator, which manages its own.
   */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    return this.gate.run(work);
  }

  /** Splits `rows` so that no statement binds more parameters than the dialect allows. */
  chunks<T extends object>(rows: readonly T[], columns: number): T[][] {
    const size = Math.max(1, Math.floor(this.dialect.maxParameters / columns));
    const out: T[][] = [];
    for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
    return out;
  }
}
