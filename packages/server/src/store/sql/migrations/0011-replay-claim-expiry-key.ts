import { sql, type Kysely } from 'kysely';

/*
 * Frozen in time (see 0001-initial.ts). `replay_claims` is keyed by `(expires_at, key)` instead of
 * `key` alone, and loses its separate `expires_at` index.
 *
 * Every token request writes one claim (its client assertion's `jti`), a DPoP-bound one two. Keyed
 * by `key`, a random string, each claim landed on a random page of the whole B-tree, and a group
 * commit of N tokens wrote N pages scattered over it (measured on the SQLite commit thread: ~28 µs
 * per claim, more than the audit record, the issued-token row and the hash chain together).
 * `expires_at` is the credential's own expiry, so claims arrive nearly in its order: keyed by it
 * first, a batch's claims land among the few pages that hold the current second's expiries (random
 * within it: credentials carry whole seconds), and pruning deletes a range from the start.
 *
 * The single-use record is now the pair. That refuses every replay as before, because a claim's
 * `expires_at` is derived from the signed credential alone (an assertion's `exp`, a DPoP proof's
 * `iat`): the same credential presented again names the same pair. What the pair no longer
 * refuses across processes is a *new* credential, signed by its key holder, that repeats a `jti`
 * with another expiry; the in-process replay cache still refuses that within a process.
 *
 * Claims live minutes, so the rows are copied, not dropped: a credential used just before the
 * upgrade stays refused after it.
 */

/** Rebuilds `replay_claims` keyed by `(expires_at, key)`, keeping its rows. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('replay_claims_by_expiry')
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('replay_claims_by_expiry_pk', ['expires_at', 'key'])
    .execute();
  await sql`insert into replay_claims_by_expiry (expires_at, key) select expires_at, key from replay_claims`.execute(db);
  await db.schema.dropTable('replay_claims').execute();
  await db.schema.alterTable('replay_claims_by_expiry').renameTo('replay_claims').execute();
}

/**
 * Back to 0001's `replay_claims` (`key` primary key, `expires_at` index). A key held with more
 * than one expiry keeps the latest, so it stays refused for as long as any of its pairs would have.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('replay_claims_by_key')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await sql`insert into replay_claims_by_key (key, expires_at) select key, max(expires_at) from replay_claims group by key`.execute(db);
  await db.schema.dropTable('replay_claims').execute();
  await db.schema.alterTable('replay_claims_by_key').renameTo('replay_claims').execute();
  await db.schema.createIndex('replay_claims_expires_idx').on('replay_claims').column('expires_at').execute();
}
