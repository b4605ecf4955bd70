import type { Kysely } from 'kysely';

/*
 * Frozen in time (see 0001-initial.ts). RFC 8705 client metadata on the agent: the certificate
 * subject a `tls_client_auth` agent registered (§2.1.2) and whether it only ever gets
 * certificate-bound tokens (§3.4). One ALTER per column: SQLite takes one at a time.
 */

/** Adds the RFC 8705 columns to `agents`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('agents').addColumn('tls_client_auth_san_uri', 'text').execute();
  await db.schema.alterTable('agents').addColumn('tls_client_auth_san_dns', 'text').execute();
  await db.schema.alterTable('agents').addColumn('tls_client_auth_subject_dn', 'text').execute();
  // 0/1 rather than boolean: the same column type on SQLite and PostgreSQL.
  await db.schema
    .alterTable('agents')
    .addColumn('tls_client_certificate_bound_access_tokens', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
}
