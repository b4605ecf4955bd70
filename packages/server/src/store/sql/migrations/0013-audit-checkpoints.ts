import type { Kysely } from 'kysely';

/*
 * Frozen in time (see 0001-initial.ts): signed checkpoints of the audit log's head
 * (docs/operations.md, "Audit checkpoints"). The checkpoint number is the primary key, so two
 * nodes signing the same next checkpoint race on one conditional insert and one wins. Portable
 * between SQLite and PostgreSQL.
 */

/** Creates `audit_checkpoints`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('audit_checkpoints')
    .addColumn('checkpoint', 'bigint', (c) => c.primaryKey())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('kid', 'text', (c) => c.notNull())
    // The compact JWS: public (it is exported), never a secret.
    .addColumn('jws', 'text', (c) => c.notNull())
    .execute();
}

/** Drops `audit_checkpoints`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('audit_checkpoints').execute();
}
