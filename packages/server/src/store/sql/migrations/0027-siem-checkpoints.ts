import type { Kysely } from 'kysely';

/*
 * Frozen in time (see 0001-initial.ts): the SIEM exporter's checkpoint per sink
 * (docs/monitoring.md, "SIEM export"), the last audit seq each sink acknowledged. The sink's name
 * is the primary key, so two nodes creating it race on one conditional insert, and advancing it
 * is one conditional update on the seq it was at. One exporter at a time holds a sink (a lease:
 * `holder` until `held_until`), so processes and nodes sharing the database do not send the same
 * records side by side. Portable between SQLite and PostgreSQL.
 */

/** Creates `siem_checkpoints`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('siem_checkpoints')
    .addColumn('sink', 'text', (c) => c.primaryKey())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('exported_at', 'bigint')
    // A short failure text: never a URL, a key or any other secret.
    .addColumn('last_error', 'text')
    .addColumn('last_error_at', 'bigint')
    .addColumn('holder', 'text')
    .addColumn('held_until', 'bigint')
    .execute();
}

/** Drops `siem_checkpoints`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('siem_checkpoints').execute();
}
