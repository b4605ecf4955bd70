import type { Kysely } from 'kysely';

/*
 * RFC 8693 token exchange lineage. `issued_tokens.parent_jti` (with its index) exists since 0001;
 * suspending an agent must find the tokens it obtained by exchange (those naming it in `act`), so
 * `client_id` gets an index here. Frozen in time: `Kysely<any>`, portable SQL.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('issued_tokens_client_idx').on('issued_tokens').columns(['client_id', 'expires_at']).execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('issued_tokens_client_idx').execute();
}
