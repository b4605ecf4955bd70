import type { Migration, MigrationProvider } from 'kysely';
import * as m0001 from './0001-initial.js';

/**
 * Every migration, by name, in order. A static object rather than a folder scan, so the same code
 * works from `src/` under vitest and from `dist/` in a published build.
 */
export const migrations: Readonly<Record<string, Migration>> = Object.freeze({
  '0001-initial': m0001,
});

/** Kysely's `MigrationProvider` over the static list above. */
export const migrationProvider: MigrationProvider = {
  getMigrations: () => Promise.resolve({ ...migrations }),
};
