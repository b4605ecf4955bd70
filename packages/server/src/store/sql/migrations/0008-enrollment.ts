import type { Kysely } from 'kysely';

/*
 * Frozen in time (see 0001-initial.ts): one-time enrolment tokens (docs/agent-sdk.md). A token is
 * stored as its SHA-256 only (ARCHITECTURE.md, Security rules), so the primary key is the hash,
 * never the token. Portable between SQLite and PostgreSQL.
 */

/** Creates `enrollment_tokens`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('enrollment_tokens')
    // Lowercase hex SHA-256 of the token.
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('id', 'text', (c) => c.notNull().unique())
    // A token without its agent means nothing: it goes with the agent.
    .addColumn('agent_id', 'text', (c) => c.notNull().references('agents.id').onDelete('cascade'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    // Set once, by the one conditional write that consumes the token.
    .addColumn('used_at', 'bigint')
    .execute();
  await db.schema.createIndex('enrollment_tokens_expiry_idx').on('enrollment_tokens').columns(['expires_at']).execute();
}

/** Drops `enrollment_tokens`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('enrollment_tokens').execute();
}
