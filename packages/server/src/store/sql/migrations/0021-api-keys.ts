import type { Kysely } from 'kysely';

/*
 * Frozen in time (see 0001-initial.ts): managed API keys (docs/migration.md). A key is stored as
 * its SHA-256 only (ARCHITECTURE.md, Security rules); the primary key is a public handle, never
 * the key. JSON columns are text. Portable between SQLite and PostgreSQL.
 */

/** Creates `api_keys`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('api_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    // Lowercase hex SHA-256 of the key.
    .addColumn('key_hash', 'text', (c) => c.notNull().unique())
    // A key is one agent's: it goes with the agent.
    .addColumn('agent_id', 'text', (c) => c.notNull().references('agents.id').onDelete('cascade'))
    .addColumn('owner', 'text', (c) => c.notNull())
    .addColumn('scopes', 'text', (c) => c.notNull())
    .addColumn('resources', 'text', (c) => c.notNull())
    .addColumn('labels', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('revoked_at', 'bigint')
    .addColumn('replaces_id', 'text')
    .addColumn('last_used_at', 'bigint')
    .addColumn('use_count', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('source_addresses', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('api_keys_agent_idx').on('api_keys').columns(['agent_id', 'created_at']).execute();
}

/** Drops `api_keys`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('api_keys').execute();
}
