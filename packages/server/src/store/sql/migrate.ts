import { Migrator, type Kysely } from 'kysely';
import { migrationProvider } from './migrations/migration-list.js';

/**
 * Applies every pending migration and returns the names applied, in order. On PostgreSQL Kysely's
 * migrator holds an advisory lock, so nodes starting together migrate once.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function migrateToLatest(db: Kysely<any>, logger?: { info(msg: string): void }): Promise<string[]> {
  const { error, results = [] } = await new Migrator({ db, provider: migrationProvider }).migrateToLatest();
  const applied = results.filter((r) => r.status === 'Success').map((r) => r.migrationName);
  for (const name of applied) logger?.info(`applied database migration ${name}`);
  if (error !== undefined) {
    const failed = results.find((r) => r.status === 'Error')?.migrationName ?? 'setup';
    throw new Error(`database migration ${failed} failed`, { cause: error });
  }
  return applied;
}
