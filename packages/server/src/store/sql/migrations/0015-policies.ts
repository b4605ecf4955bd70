import type { Kysely } from 'kysely';

/*
 * Frozen in time (see 0001-initial.ts): the Cedar policy sets, one row per applied version
 * (docs/policy.md). The version is the primary key, so two nodes applying a change on the same
 * current version race on one conditional insert and one wins; the set in force is the highest
 * version, read by one index lookup when nodes poll for changes. Portable between SQLite and
 * PostgreSQL.
 */

/** Creates `policy_sets`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('policy_sets')
    .addColumn('version', 'bigint', (c) => c.primaryKey())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('comment', 'text', (c) => c.notNull())
    // JSON: [{ id, description, text }], the Cedar text of each policy.
    .addColumn('policies', 'text', (c) => c.notNull())
    // JSON: Cedar entities operators describe (Resource attributes, Groups).
    .addColumn('entities', 'text', (c) => c.notNull())
    .execute();
}

/** Drops `policy_sets`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('policy_sets').execute();
}
