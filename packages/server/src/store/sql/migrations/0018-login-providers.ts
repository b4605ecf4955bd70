import type { Kysely } from 'kysely';

/*
 * Frozen in time (see 0001-initial.ts): upstream OpenID Connect providers people sign in through
 * (docs/people.md, "Sign-in with your identity provider"), and the pending authorization requests
 * of those sign-ins. The client secret is sealed under the master key, never stored in the clear.
 * A pending request is keyed by the SHA-256 of its `state`, so the table holds nothing a browser
 * could present; its PKCE verifier and nonce are sealed too. Portable between SQLite and PostgreSQL.
 */

/** Creates `login_providers` and `login_requests`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('login_providers')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('issuer', 'text', (c) => c.notNull())
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('client_secret', 'text', (c) => c.notNull())
    // JSON: the scopes, the claim mapping, the group-to-role mapping, the allowed email domains.
    .addColumn('scopes', 'text', (c) => c.notNull())
    .addColumn('claims', 'text', (c) => c.notNull())
    .addColumn('group_roles', 'text', (c) => c.notNull())
    .addColumn('allowed_domains', 'text', (c) => c.notNull())
    .addColumn('just_in_time', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('login_requests')
    .addColumn('state_hash', 'text', (c) => c.primaryKey())
    .addColumn('provider_id', 'text', (c) => c.notNull())
    .addColumn('sealed', 'text', (c) => c.notNull())
    .addColumn('return_to', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('login_requests_expires_idx').on('login_requests').column('expires_at').execute();
}

/** Drops them. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('login_requests').execute();
  await db.schema.dropTable('login_providers').execute();
}
