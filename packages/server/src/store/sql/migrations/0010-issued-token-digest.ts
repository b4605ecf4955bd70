import { sql, type Kysely } from 'kysely';

/*
 * Frozen in time (see 0001-initial.ts). Two changes to `issued_tokens`, the table every token
 * issued writes a row to:
 * - `token_digest`: a keyed digest (HMAC under a key derived from the master key) of the token as
 *   issued, so a token of ours presented back (token exchange, introspection) is recognised byte
 *   for byte by the row its `jti` names, instead of by a second signature verification. Null for
 *   rows written before this migration.
 * - Its secondary indexes shrink to what a query reads: `agent_id` was never queried; `parent_jti`
 *   and `client_id` are only ever read for exchanged tokens (`parent_jti IS NOT NULL`: cascade
 *   revocation, the tokens an agent obtained by exchange), so both become partial indexes and a
 *   client_credentials token no longer writes to them.
 */

/** Adds `token_digest` and narrows the indexes. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('issued_tokens').addColumn('token_digest', 'text').execute();
  await db.schema.dropIndex('issued_tokens_agent_idx').execute();
  await db.schema.dropIndex('issued_tokens_parent_idx').execute();
  await db.schema.dropIndex('issued_tokens_client_idx').execute();
  await db.schema.createIndex('issued_tokens_parent_idx').on('issued_tokens').column('parent_jti').where('parent_jti', 'is not', null).execute();
  await db.schema
    .createIndex('issued_tokens_client_idx')
    .on('issued_tokens')
    .columns(['client_id', 'expires_at'])
    .where(sql.ref('parent_jti'), 'is not', null)
    .execute();
}

/** Restores the 0004 indexes and drops the column. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('issued_tokens_client_idx').execute();
  await db.schema.dropIndex('issued_tokens_parent_idx').execute();
  await db.schema.createIndex('issued_tokens_client_idx').on('issued_tokens').columns(['client_id', 'expires_at']).execute();
  await db.schema.createIndex('issued_tokens_parent_idx').on('issued_tokens').column('parent_jti').execute();
  await db.schema.createIndex('issued_tokens_agent_idx').on('issued_tokens').column('agent_id').execute();
  await db.schema.alterTable('issued_tokens').dropColumn('token_digest').execute();
}
