import type { Kysely } from 'kysely';

/*
 * Frozen in time (see 0001-initial.ts): when a stream's receiver was last heard from (a poll), so
 * the transmitter can expire streams nobody polls (docs/signals.md, "Idle streams"). Existing
 * streams count as seen when they were last updated: none is expired by the upgrade itself.
 * Portable between SQLite and PostgreSQL.
 */

/** Adds `ssf_streams.last_seen_at`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('ssf_streams').addColumn('last_seen_at', 'bigint', (c) => c.notNull().defaultTo(0)).execute();
  await db
    .updateTable('ssf_streams')
    .set((eb) => ({ last_seen_at: eb.ref('updated_at') }))
    .execute();
  await db.schema.createIndex('ssf_streams_last_seen_at').on('ssf_streams').column('last_seen_at').execute();
}

/** Drops `ssf_streams.last_seen_at`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('ssf_streams_last_seen_at').execute();
  await db.schema.alterTable('ssf_streams').dropColumn('last_seen_at').execute();
}
