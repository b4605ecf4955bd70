import type { Kysely } from 'kysely';

/*
 * Frozen in time (see 0001-initial.ts). RFC 9449 §5.2 client metadata on the agent: whether every
 * token request of the agent must carry a DPoP proof. Existing agents keep their behaviour (false).
 */

/** Adds `agents.dpop_bound_access_tokens`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  // 0/1 rather than boolean: the same column type on SQLite and PostgreSQL.
  await db.schema.alterTable('agents').addColumn('dpop_bound_access_tokens', 'integer', (c) => c.notNull().defaultTo(0)).execute();
}

/** Removes the column again. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('agents').dropColumn('dpop_bound_access_tokens').execute();
}
