import type { Kysely } from 'kysely';

/*
 * Frozen in time (see 0001-initial.ts): agents acting for people (docs/people.md, "Agents acting
 * for you"). One row per (person, agent), created by the first RFC 8693 exchange of the person's
 * token by the agent, and one row per scope or resource the agent obtained for the person, so
 * concurrent exchanges add to the set with a conditional insert each and never lose one. Portable
 * between SQLite and PostgreSQL.
 */

/** Creates `delegations` and `delegation_scopes`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('delegations')
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('agent_id', 'text', (c) => c.notNull().references('agents.id').onDelete('cascade'))
    .addColumn('grant_id', 'text', (c) => c.notNull())
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('first_used_at', 'bigint', (c) => c.notNull())
    .addColumn('last_used_at', 'bigint', (c) => c.notNull())
    .addColumn('revoked_at', 'bigint')
    .addColumn('revoked_before', 'bigint')
    .addPrimaryKeyConstraint('delegations_pk', ['user_id', 'agent_id'])
    .execute();
  await db.schema
    .createTable('delegation_scopes')
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('agent_id', 'text', (c) => c.notNull())
    // 'scope' or 'resource'
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('delegation_scopes_pk', ['user_id', 'agent_id', 'kind', 'value'])
    .addForeignKeyConstraint('delegation_scopes_pair_fk', ['user_id', 'agent_id'], 'delegations', ['user_id', 'agent_id'], (fk) => fk.onDelete('cascade'))
    .execute();
}

/** Drops them. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('delegation_scopes').execute();
  await db.schema.dropTable('delegations').execute();
}
