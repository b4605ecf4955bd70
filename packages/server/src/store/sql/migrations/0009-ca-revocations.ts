import type { Kysely } from 'kysely';

/*
 * Frozen in time (see 0001-initial.ts). Lets every node keep the set of revoked certificate
 * serials in memory (tls_client_auth, renewal over mutual TLS) and learn of other nodes'
 * revocations by one primary-key read: a change counter bumped in the same transaction as every
 * revocation (a row lock, so the counter's order is the commit order), and a partial index so
 * loading the revoked serials never scans the unrevoked majority.
 */

/** Creates the revocation change counter and the index of revoked certificates. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('ca_revocations_change')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('counter', 'bigint', (c) => c.notNull())
    .execute();
  await db.insertInto('ca_revocations_change').values({ id: 1, counter: 0 }).execute();
  await db.schema
    .createIndex('ca_certificates_revoked_at_idx')
    .on('ca_certificates')
    .column('revoked_at')
    .where('revoked_at', 'is not', null)
    .execute();
}

/** Drops them. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('ca_certificates_revoked_at_idx').execute();
  await db.schema.dropTable('ca_revocations_change').execute();
}
