import type { Kysely } from 'kysely';

/*
 * Frozen in time (see 0001-initial.ts): the Shared Signals transmitter's tables. Portable between
 * SQLite and PostgreSQL; times are integer milliseconds (`bigint`).
 */

/** Creates the SSF stream and SET queue tables. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('ssf_streams')
    .addColumn('stream_id', 'text', (c) => c.primaryKey())
    .addColumn('owner_agent_id', 'text', (c) => c.notNull())
    .addColumn('aud', 'text', (c) => c.notNull())
    .addColumn('events_requested', 'text')
    .addColumn('events_delivered', 'text', (c) => c.notNull())
    .addColumn('delivery_method', 'text', (c) => c.notNull())
    .addColumn('endpoint_url', 'text')
    .addColumn('sealed_authorization_header', 'text')
    .addColumn('description', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('status_reason', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('last_verification_at', 'bigint')
    .addColumn('push_delivered', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('push_failed', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('last_push_at', 'bigint')
    .addColumn('last_push_error', 'text')
    .execute();
  await db.schema.createIndex('ssf_streams_owner_idx').on('ssf_streams').columns(['owner_agent_id', 'created_at']).execute();

  await db.schema
    .createTable('ssf_queued_sets')
    .addColumn('jti', 'text', (c) => c.primaryKey())
    .addColumn('stream_id', 'text', (c) => c.notNull().references('ssf_streams.stream_id').onDelete('cascade'))
    .addColumn('event_type', 'text', (c) => c.notNull())
    .addColumn('set_jwt', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
    .addColumn('lease_until', 'bigint')
    .execute();
  await db.schema.createIndex('ssf_queued_sets_stream_idx').on('ssf_queued_sets').columns(['stream_id', 'created_at', 'jti']).execute();
  await db.schema.createIndex('ssf_queued_sets_due_idx').on('ssf_queued_sets').column('next_attempt_at').execute();
}

/** Drops the SSF tables (queue before streams). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('ssf_queued_sets').execute();
  await db.schema.dropTable('ssf_streams').execute();
}
