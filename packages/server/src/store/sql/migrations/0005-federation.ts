import type { Kysely } from 'kysely';

/*
 * Frozen in time (see 0001-initial): trusted external issuers and the binding rules that map their
 * JWTs to agents (docs/federation.md). Portable between SQLite and PostgreSQL.
 */

/** Creates the federation tables. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('trusted_issuers')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('issuer', 'text', (c) => c.notNull().unique())
    .addColumn('jwks_uri', 'text')
    .addColumn('jwks', 'text')
    .addColumn('audiences', 'text', (c) => c.notNull())
    .addColumn('algorithms', 'text', (c) => c.notNull())
    .addColumn('max_token_lifetime', 'integer', (c) => c.notNull())
    .addColumn('allow_token_reuse', 'integer', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('binding_rules')
    .addColumn('id', 'text', (c) => c.primaryKey())
    // No cascade: an issuer with rules cannot be deleted until its rules are (the service says why).
    .addColumn('issuer_id', 'text', (c) => c.notNull().references('trusted_issuers.id'))
    // A rule without its agent means nothing: it goes with the agent.
    .addColumn('agent_id', 'text', (c) => c.notNull().references('agents.id').onDelete('cascade'))
    .addColumn('claims', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('binding_rules_issuer_idx').on('binding_rules').columns(['issuer_id', 'id']).execute();
  await db.schema.createIndex('binding_rules_agent_idx').on('binding_rules').columns(['agent_id']).execute();

  await db.schema
    .createTable('federation_change')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('counter', 'bigint', (c) => c.notNull())
    .execute();
  await db.insertInto('federation_change').values({ id: 1, counter: 0 }).execute();
}

/** Drops the federation tables. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('federation_change').execute();
  await db.schema.dropTable('binding_rules').execute();
  await db.schema.dropTable('trusted_issuers').execute();
}
