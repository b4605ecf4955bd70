import type { Kysely } from 'kysely';

/*
 * Frozen in time (see 0001-initial.ts): the certificate authority's tables. Portable between
 * SQLite and PostgreSQL; times are integer milliseconds (`bigint`). Certificate records carry no
 * foreign key to `agents`: a deleted agent's revoked certificates must stay on the CRL until they
 * expire.
 */

/** Creates the CA hierarchy, issued-certificate and CRL tables, and the `ca` lock row. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('ca_authorities')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('certificate', 'text', (c) => c.notNull())
    .addColumn('encrypted_private_key', 'text')
    .addColumn('parent_id', 'text')
    .addColumn('external', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('activated_at', 'bigint')
    .addColumn('not_after', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('ca_certificates')
    .addColumn('serial', 'text', (c) => c.primaryKey())
    .addColumn('agent_id', 'text')
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('ca_id', 'text', (c) => c.notNull())
    .addColumn('issued_at', 'bigint', (c) => c.notNull())
    .addColumn('not_after', 'bigint', (c) => c.notNull())
    .addColumn('revoked_at', 'bigint')
    .execute();
  await db.schema.createIndex('ca_certificates_agent_idx').on('ca_certificates').columns(['agent_id', 'issued_at']).execute();
  await db.schema.createIndex('ca_certificates_issued_idx').on('ca_certificates').columns(['issued_at', 'serial']).execute();
  await db.schema.createIndex('ca_certificates_revoked_idx').on('ca_certificates').columns(['ca_id', 'revoked_at']).execute();
  await db.schema.createIndex('ca_certificates_not_after_idx').on('ca_certificates').column('not_after').execute();

  await db.schema
    .createTable('ca_crls')
    .addColumn('ca_id', 'text', (c) => c.primaryKey())
    .addColumn('number', 'bigint', (c) => c.notNull())
    .addColumn('this_update', 'bigint', (c) => c.notNull())
    .addColumn('next_update', 'bigint', (c) => c.notNull())
    .addColumn('der', 'text', (c) => c.notNull())
    .execute();

  await db.insertInto('store_locks').values({ name: 'ca' }).execute();
}

/** Drops the CA tables. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.deleteFrom('store_locks').where('name', '=', 'ca').execute();
  for (const table of ['ca_crls', 'ca_certificates', 'ca_authorities']) await db.schema.dropTable(table).execute();
}
