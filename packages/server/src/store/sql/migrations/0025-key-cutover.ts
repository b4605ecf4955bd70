import type { Kysely } from 'kysely';

/*
 * Frozen in time (see 0001-initial.ts): the staged cut-over of API keys (docs/migration.md,
 * "Cutting keys off"). A rule names one key, agent or resource and the dates from which its keys
 * are warned and blocked; `version` counts its changes, so "once per key per stage change" is one
 * row of `key_cutover_notices` per key, rule version and stage, claimed by a unique insert.
 * `effective_stage` is the stage last recorded as in force, so a date-triggered transition is
 * audited once, by a conditional update. Portable between SQLite and PostgreSQL.
 */

/** Creates `key_cutover_rules` and `key_cutover_notices`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('key_cutover_rules')
    .addColumn('id', 'text', (c) => c.primaryKey())
    // 'key', 'agent' or 'resource'
    .addColumn('scope', 'text', (c) => c.notNull())
    // A key id (ak_/ik_), an agent id, or an RFC 8707 resource.
    .addColumn('target', 'text', (c) => c.notNull())
    .addColumn('warn_from', 'bigint')
    .addColumn('block_from', 'bigint')
    .addColumn('link', 'text')
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('effective_stage', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_by', 'text', (c) => c.notNull())
    .addUniqueConstraint('key_cutover_rules_target_unique', ['scope', 'target'])
    .execute();
  await db.schema
    .createTable('key_cutover_notices')
    .addColumn('key_id', 'text', (c) => c.notNull())
    .addColumn('rule_id', 'text', (c) => c.notNull().references('key_cutover_rules.id').onDelete('cascade'))
    .addColumn('rule_version', 'integer', (c) => c.notNull())
    .addColumn('stage', 'text', (c) => c.notNull())
    .addColumn('noticed_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('key_cutover_notices_pk', ['key_id', 'rule_id', 'rule_version', 'stage'])
    .execute();
}

/** Drops both tables. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('key_cutover_notices').execute();
  await db.schema.dropTable('key_cutover_rules').execute();
}
