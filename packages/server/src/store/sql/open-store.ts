import { migrateToLatest } from './migrate.js';
import { openDatabase, SQLITE_BUSY_TIMEOUT_MS, type DatabaseOptions, type OpenDatabase } from './open-database.js';
import { SqliteCommitThread } from './sqlite-commit-thread.js';
import { SqlStore } from './sql-store.js';
import { databaseOpenError } from './database-open-error.js';

/** Options of `openStore`: `DatabaseOptions`, and whether to migrate first. */
export interface OpenStoreOptions extends DatabaseOptions {
  /** Apply pending migrations before returning (default true). */
  migrate?: boolean;
  /**
   * SQLite only: run the group commit (`commitUnits`) on its own thread, so its fsync never
   * blocks the event loop (the server does; default false). The chain is then hashed with
   * `hashAuditRecord`, and `commitUnits` refuses any other hash function.
   */
  commitThread?: boolean;
}

/**
 * Opens the store the configuration names (DESIGN.md §5: SQLite in the data directory for one
 * node, PostgreSQL for many) and, unless `migrate` is false, brings its schema up to date. A
 * database that cannot be reached or migrated is a `DatabaseOpenError` saying why.
 */
export async function openStore(options: OpenStoreOptions): Promise<SqlStore> {
  const opened = open(options);
  try {
    if (options.migrate !== false) await migrate(opened, options);
    const thread = options.commitThread && opened.sqliteFile !== undefined ? new SqliteCommitThread(opened.sqliteFile, SQLITE_BUSY_TIMEOUT_MS) : undefined;
    return new SqlStore(opened.ctx, opened.close, thread);
  } catch (error) {
    await opened.close();
    throw databaseOpenError(error, options.databaseUrl, options.dataDir);
  }
}

function open(options: DatabaseOptions): OpenDatabase {
  try {
    return openDatabase(options);
  } catch (error) {
    throw error instanceof TypeError ? error : databaseOpenError(error, options.databaseUrl, options.dataDir);
  }
}

/** Migrates under the write gate, so another store on the same SQLite file waits rather than fails. */
function migrate(opened: OpenDatabase, options: DatabaseOptions): Promise<string[]> {
  return opened.ctx.exclusive(() => migrateToLatest(opened.ctx.db, options.logger));
}

/**
 * Applies pending migrations and closes the database: the `agentauth-server migrate` command.
 * Returns the names of the migrations applied (empty when the schema was current).
 */
export async function runMigrations(options: DatabaseOptions): Promise<string[]> {
  const opened = open(options);
  try {
    return await migrate(opened, options);
  } catch (error) {
    throw databaseOpenError(error, options.databaseUrl, options.dataDir);
  } finally {
    await opened.close();
  }
}
