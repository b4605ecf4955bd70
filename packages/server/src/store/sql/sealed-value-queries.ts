import { sql } from 'kysely';
import type { ResealCounts, SealedColumn, SealedValueStore } from '../ports/sealed-value-store.js';
import { SEALED_COLUMNS } from '../ports/sealed-value-store.js';
import { appendAuditInTransaction } from './commit-units.js';
import type { Database } from './database.js';
import type { SqlContext } from './sql-context.js';

/** Where each sealed column lives: its table, the row's id column, the sealed column (nullable or not). */
const LOCATIONS: Record<SealedColumn, { table: keyof Database; id: string; sealed: string }> = {
  signing_key: { table: 'signing_keys', id: 'kid', sealed: 'encrypted_private_key' },
  ca_key: { table: 'ca_authorities', id: 'id', sealed: 'encrypted_private_key' },
  ssf_stream: { table: 'ssf_streams', id: 'stream_id', sealed: 'sealed_authorization_header' },
  totp: { table: 'users', id: 'id', sealed: 'totp_secret' },
  totp_pending: { table: 'users', id: 'id', sealed: 'totp_pending' },
  login_provider: { table: 'login_providers', id: 'id', sealed: 'client_secret' },
  login_request: { table: 'login_requests', id: 'state_hash', sealed: 'sealed' },
  ciba_ping: { table: 'approvals', id: 'id', sealed: 'ping_secrets' },
};

/** `SealedValueStore` over Kysely, for SQLite and PostgreSQL alike. */
export function sqlSealedValueStore(ctx: SqlContext): SealedValueStore {
  return {
    async resealAll(reseal, audit, settings = {}) {
      return ctx.write(async (db) => {
        const counts = Object.fromEntries(SEALED_COLUMNS.map((column) => [column, 0])) as ResealCounts;
        for (const column of SEALED_COLUMNS) {
          const { table, id, sealed } = LOCATIONS[column];
          // Rows are locked as they are read (PostgreSQL), so no writer slips a value in between.
          const rows = await ctx.dialect
            .lockRows(db.selectFrom(table).select([sql.ref<string>(id).as('id'), sql.ref<string>(sealed).as('sealed')]).where(sql.ref(sealed), 'is not', null))
            .execute();
          for (const row of rows as { id: string; sealed: string }[]) {
            const resealed = reseal({ column, id: row.id, sealed: row.sealed });
            await sql`update ${sql.table(table)} set ${sql.ref(sealed)} = ${resealed} where ${sql.ref(id)} = ${row.id}`.execute(db);
            counts[column] += 1;
          }
        }
        for (const [name, value] of Object.entries(settings)) {
          await db.insertInto('settings').values({ name, value }).onConflict((oc) => oc.column('name').doUpdateSet({ value })).execute();
        }
        await appendAuditInTransaction(ctx, db, audit(counts));
        return counts;
      });
    },
  };
}
