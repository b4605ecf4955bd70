import type { Kysely } from 'kysely';

/*
 * Frozen in time (see 0001-initial.ts): public clients, authorizations (a code and its refresh
 * family in one row, both kept by SHA-256 only) and people's remembered consents. Portable
 * between SQLite and PostgreSQL.
 */

/** Creates `public_clients`, `authorization_grants` and `consents`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('public_clients')
    .addColumn('client_id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('redirect_uris', 'text', (c) => c.notNull())
    .addColumn('scopes', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('authorization_grants')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('code_hash', 'text', (c) => c.notNull().unique())
    .addColumn('code_expires_at', 'bigint', (c) => c.notNull())
    .addColumn('code_used_at', 'bigint')
    .addColumn('client_id', 'text', (c) => c.notNull().references('public_clients.client_id').onDelete('cascade'))
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('redirect_uri', 'text', (c) => c.notNull())
    .addColumn('code_challenge', 'text', (c) => c.notNull())
    .addColumn('resource', 'text', (c) => c.notNull())
    .addColumn('scopes', 'text', (c) => c.notNull())
    .addColumn('refresh_hash', 'text')
    .addColumn('refresh_expires_at', 'bigint')
    // RFC 9449 §5: a public client's refresh tokens are bound to the DPoP key of the first request.
    .addColumn('refresh_jkt', 'text')
    .addColumn('revoked_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('authorization_grants_user_client_idx').on('authorization_grants').columns(['user_id', 'client_id']).execute();
  await db.schema
    .createTable('consents')
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('client_id', 'text', (c) => c.notNull().references('public_clients.client_id').onDelete('cascade'))
    .addColumn('resource', 'text', (c) => c.notNull())
    .addColumn('scopes', 'text', (c) => c.notNull())
    .addColumn('granted_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('consents_pk', ['user_id', 'client_id', 'resource'])
    .execute();
}

/** Drops them. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('consents').execute();
  await db.schema.dropTable('authorization_grants').execute();
  await db.schema.dropTable('public_clients').execute();
}
