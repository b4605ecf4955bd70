import { readFileSync } from 'node:fs';
import { DEFAULT_MIGRATION_TABLE, Migrator, sql, type Kysely } from 'kysely';
import { DatabaseOpenError } from './database-open-error.js';
import { migrationProvider, migrations } from './migrations/migration-list.js';


/**
 * Applies every pending migration and returns the names applied, in order. On PostgreSQL Kysely's
 * migrator holds an advisory lock, so nodes starting together migrate once.
 *
 * A database that a newer build has migrated is refused before anything is applied (see
 * {@link assertNotNewerThanBuild}).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function migrateToLatest(db: Kysely<any>, logger?: { info(msg: string): void }): Promise<string[]> {
  await assertNotNewerThanBuild(db);
  const { error, results = [] } = await new Migrator({ db, provider: migrationProvider }).migrateToLatest();
  const applied = results.filter((r) => r.status === 'Success').map((r) => r.migrationName);
  for (const name of applied) logger?.info(`applied database migration ${name}`);
  if (error !== undefined) {
    const failed = results.find((r) => r.status === 'Error')?.migrationName ?? 'setup';
    throw new Error(`database migration ${failed} failed`, { cause: error });
  }
  return applied;
}

/**
 * Refuses a database that records a migration this build does not know: a newer version has
 * changed its schema (a rolling upgrade left an old node behind, or a downgrade without restoring
 * the backup). Running against it would read and write a schema this code was not written for, so
 * the start fails naming the database's newest migration and this build's, before any write.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function assertNotNewerThanBuild(db: Kysely<any>): Promise<void> {
  const recorded = await recordedMigrations(db);
  const unknown = recorded.filter((name) => !(name in migrations)).sort();
  if (unknown.length === 0) return;
  const buildLatest = Object.keys(migrations).sort().at(-1) ?? 'none';
  const databaseLatest = unknown.at(-1) as string;
  throw new DatabaseOpenError(
    `the database was migrated by a newer agentauth (it records migration ${databaseLatest}${unknown.length > 1 ? ` and ${unknown.length - 1} more` : ''}; ` +
      `this build, ${buildVersion()}, knows migrations up to ${buildLatest}): run the newer version on every node, or restore the backup taken before the upgrade`,
  );
}

/**
 * Names in Kysely's migration table. A database never migrated has no table: the query fails and
 * the answer is none (any other failure recurs, and is explained, when the migrator runs).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function recordedMigrations(db: Kysely<any>): Promise<string[]> {
  try {
    const rows = await sql<{ name: string }>`select name from ${sql.table(DEFAULT_MIGRATION_TABLE)}`.execute(db);
    return rows.rows.map((row) => row.name);
  } catch {
    return [];
  }
}

/** The server package's version (the same path from `src/` and `dist/`), for the message only. */
function buildVersion(): string {
  try {
    const manifest = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return typeof manifest.version === 'string' ? `version ${manifest.version}` : 'version unknown';
  } catch {
    return 'version unknown';
  }
}
