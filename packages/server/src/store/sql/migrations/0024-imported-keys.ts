import type { Kysely } from 'kysely';

/*
 * Frozen in time (see 0001-initial.ts): third-party API keys imported by their SHA-256
 * (docs/migration.md). Only the digest is stored, unique; the primary key is a public handle.
 * The usage columns are those of `api_keys` (0021), so both kinds of key count uses alike.
 * JSON columns are text. Portable between SQLite and PostgreSQL.
 */

/** Creates `imported_keys`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('imported_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    // Lowercase hex SHA-256 of the key.
    .addColumn('key_digest', 'text', (c) => c.notNull().unique())
    // A key is one agent's: it goes with the agent.
    .addColumn('agent_id', 'text', (c) => c.notNull().references('agents.id').onDelete('cascade'))
    .addColumn('owner', 'text', (c) => c.notNull())
    .addColumn('scopes', 'text', (c) => c.notNull())
    .addColumn('resources', 'text', (c) => c.notNull())
    .addColumn('labels', 'text', (c) => c.notNull())
    .addColumn('imported_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('revoked_at', 'bigint')
    .addColumn('last_used_at', 'bigint')
    .addColumn('use_count', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('source_addresses', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('imported_keys_agent_idx').on('imported_keys').columns(['agent_id', 'imported_at']).execute();
}

/** Drops `imported_keys`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('imported_keys').execute();
}
