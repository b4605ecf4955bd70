import type { Kysely } from 'kysely';
import type { Database } from '../../src/store/sql/database.js';
import { openDatabase, type DatabaseOptions } from '../../src/store/sql/open-database.js';

/**
 * Runs `work` over a connection of its own to the database `options` name, for tests that look at
 * or change rows that no store port shows (what is kept in the clear, a record from before a
 * migration). Servers and stores never get such a handle: they speak their ports' verbs.
 */
export async function withRawDatabase<T>(options: Pick<DatabaseOptions, 'databaseUrl' | 'dataDir'>, work: (db: Kysely<Database>) => Promise<T>): Promise<T> {
  const opened = openDatabase({ databaseUrl: options.databaseUrl, dataDir: options.dataDir });
  try {
    return await work(opened.ctx.db);
  } finally {
    await opened.close();
  }
}
