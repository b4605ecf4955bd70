import type { Kysely } from 'kysely';

/*
 * Frozen in time (see 0001-initial.ts): an agent's redirect URIs (RFC 6749 §3.1.2), which make it
 * a confidential client of the authorization code flow (docs/oauth.md). A JSON array as text;
 * null for an agent that has none. Portable between SQLite and PostgreSQL.
 */

/** Adds `agents.redirect_uris`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('agents').addColumn('redirect_uris', 'text').execute();
}

/** Drops it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('agents').dropColumn('redirect_uris').execute();
}
