import type { Kysely } from 'kysely';
import type { SigningKeyRecord } from '../records.js';
import type { SigningKeyStore } from '../ports/signing-key-store.js';
import type { Database } from './database.js';
import { appendAuditInTransaction } from './commit-units.js';
import { signingKeyFromRow, signingKeyToRow } from './rows.js';
import type { SqlContext } from './sql-context.js';

type KeyPlan = Parameters<SigningKeyStore['mutateSigningKeys']>[1];

/** A key is live until its `expiresAt` instant has passed ("after this instant" it is dropped). */
function liveKeys(db: Kysely<Database>, now: number) {
  return db
    .selectFrom('signing_keys')
    .selectAll()
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>=', now)]))
    .orderBy('created_at')
    .orderBy('kid');
}

/**
 * Signing keys (`SigningKeyStore`) over Kysely, for SQLite and PostgreSQL alike, coordinated
 * through the database so that every node agrees on the key set (ARCHITECTURE.md, Storage,
 * durability and many nodes).
 */
export function sqlSigningKeyStore(ctx: SqlContext): SigningKeyStore {
  return {
    /** Every key not expired at `now`, oldest first. */
    async listSigningKeys(now: number): Promise<SigningKeyRecord[]> {
      return (await liveKeys(ctx.db, now).execute()).map(signingKeyFromRow);
    },

    /**
     * The plan sees the live keys and its changes are applied in
     * the same transaction, under the `signing_keys` lock row (PostgreSQL `FOR UPDATE`) or SQLite's
     * write lock, so two nodes rotating at once apply their plans one after the other and the second
     * plan sees the first one's keys. The plan's audit records extend the audit chain in the same
     * transaction. An `update` of a kid that is not live, a plan that throws, or an audit record that
     * cannot be written rolls everything back.
     */
    async mutateSigningKeys(now: number, plan: KeyPlan): Promise<SigningKeyRecord[]> {
      return ctx.write(async (db) => {
        await ctx.dialect.lockRows(db.selectFrom('store_locks').select('name').where('name', '=', 'signing_keys')).execute();
        const current = (await liveKeys(db, now).execute()).map(signingKeyFromRow);
        const changes = plan(current.map((k) => structuredClone(k)));
        const live = new Set(current.map((k) => k.kid));
        for (const key of changes.update) {
          if (!live.has(key.kid)) throw new Error(`signing key ${key.kid} cannot be updated: it is not live`);
          const { kid: _kid, ...columns } = signingKeyToRow(key);
          await db.updateTable('signing_keys').set(columns).where('kid', '=', key.kid).execute();
        }
        if (changes.remove.length > 0) await db.deleteFrom('signing_keys').where('kid', 'in', changes.remove).execute();
        if (changes.insert.length > 0) await db.insertInto('signing_keys').values(changes.insert.map(signingKeyToRow)).execute();
        await appendAuditInTransaction(ctx, db, changes.audit);
        return (await liveKeys(db, now).execute()).map(signingKeyFromRow);
      });
    },
  };
}
