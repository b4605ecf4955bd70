import type { Kysely } from 'kysely';
import type { AuditInput } from '../records.js';
import type { AuthorityChanges, CaAuthorityRecord, CaStore, CrlRecord, IssuedCertificateRecord } from '../ports/ca-store.js';
import type { Page } from '../ports/page.js';
import type { CaTables } from './ca-tables.js';
import { appendAuditInTransaction } from './commit-units.js';
import type { Database } from './database.js';
import { checkLimit, decodeIdCursor, encodeIdCursor, toPage } from './pagination.js';
import { certificateFromRow } from './rows.js';
import type { SqlContext } from './sql-context.js';

type AuthorityRow = CaTables['ca_authorities'];

const authorityFromRow = (row: AuthorityRow): CaAuthorityRecord => ({
  id: row.id,
  kind: row.kind as CaAuthorityRecord['kind'],
  state: row.state as CaAuthorityRecord['state'],
  certificate: row.certificate,
  encryptedPrivateKey: row.encrypted_private_key,
  parentId: row.parent_id,
  external: Number(row.external) === 1,
  createdAt: Number(row.created_at),
  activatedAt: row.activated_at === null ? null : Number(row.activated_at),
  notAfter: Number(row.not_after),
});

const authorityToRow = (record: CaAuthorityRecord): AuthorityRow => ({
  id: record.id,
  kind: record.kind,
  state: record.state,
  certificate: record.certificate,
  encrypted_private_key: record.encryptedPrivateKey,
  parent_id: record.parentId,
  external: record.external ? 1 : 0,
  created_at: record.createdAt,
  activated_at: record.activatedAt,
  not_after: record.notAfter,
});

const crlFromRow = (row: CaTables['ca_crls']): CrlRecord => ({
  caId: row.ca_id,
  number: Number(row.number),
  thisUpdate: Number(row.this_update),
  nextUpdate: Number(row.next_update),
  der: row.der,
});

/** Bumps the revocation change counter inside the revoking transaction (its row lock orders commits). */
async function bumpRevocations(db: Kysely<Database>): Promise<void> {
  await db
    .updateTable('ca_revocations_change')
    .set((eb) => ({ counter: eb('counter', '+', 1) }))
    .where('id', '=', 1)
    .execute();
}

/**
 * The CA's storage (`CaStore`) over Kysely, for SQLite and PostgreSQL alike. Hierarchy changes and
 * CRL numbers are decided under the `ca` lock row, so nodes agree.
 */
export function sqlCaStore(ctx: SqlContext): CaStore {
  function lock(db: Kysely<Database>) {
    return ctx.dialect.lockRows(db.selectFrom('store_locks').select('name').where('name', '=', 'ca')).execute();
  }

  return {
    async listAuthorities(): Promise<CaAuthorityRecord[]> {
      return (await ctx.db.selectFrom('ca_authorities').selectAll().orderBy('created_at').orderBy('id').execute()).map(authorityFromRow);
    },

    async mutateAuthorities(plan: (current: CaAuthorityRecord[]) => AuthorityChanges): Promise<CaAuthorityRecord[]> {
      return ctx.write(async (db) => {
        await lock(db);
        const current = (await db.selectFrom('ca_authorities').selectAll().orderBy('created_at').orderBy('id').execute()).map(authorityFromRow);
        const changes = plan(current.map((record) => ({ ...record })));
        const known = new Set(current.map((record) => record.id));
        for (const record of changes.update) {
          if (!known.has(record.id)) throw new Error(`CA ${record.id} cannot be updated: it does not exist`);
          const { id: _id, ...columns } = authorityToRow(record);
          await db.updateTable('ca_authorities').set(columns).where('id', '=', record.id).execute();
        }
        if (changes.remove.length > 0) await db.deleteFrom('ca_authorities').where('id', 'in', changes.remove).execute();
        if (changes.insert.length > 0) await db.insertInto('ca_authorities').values(changes.insert.map(authorityToRow)).execute();
        // The changes' audit records, in this transaction: a CA never changes unrecorded.
        await appendAuditInTransaction(ctx, db, changes.audit);
        return (await db.selectFrom('ca_authorities').selectAll().orderBy('created_at').orderBy('id').execute()).map(authorityFromRow);
      });
    },

    async getCertificate(serial: string): Promise<IssuedCertificateRecord | undefined> {
      const row = await ctx.db.selectFrom('ca_certificates').selectAll().where('serial', '=', serial).executeTakeFirst();
      return row === undefined ? undefined : certificateFromRow(row);
    },

    async listCertificates(filter: { agentId?: string }, page: { limit: number; after?: string }): Promise<Page<IssuedCertificateRecord>> {
      const limit = checkLimit(page.limit);
      let query = ctx.db.selectFrom('ca_certificates').selectAll();
      if (filter.agentId !== undefined) query = query.where('agent_id', '=', filter.agentId);
      if (page.after !== undefined) {
        const match = /^([0-9]{1,15})\.([0-9a-f]{1,40})$/.exec(decodeIdCursor(page.after));
        if (match === null) throw new RangeError('invalid cursor');
        const issuedAt = Number(match[1]);
        const serial = match[2] as string;
        query = query.where((eb) => eb.or([eb('issued_at', '<', issuedAt), eb.and([eb('issued_at', '=', issuedAt), eb('serial', '<', serial)])]));
      }
      const rows = await query.orderBy('issued_at', 'desc').orderBy('serial', 'desc').limit(limit + 1).execute();
      const result = toPage(rows.map(certificateFromRow), { limit }, (last) => encodeIdCursor(`${last.issuedAt}.${last.serial}`));
      return result.next === undefined ? { items: result.items } : { items: result.items, next: result.next };
    },

    async revokeCertificate(serial: string, at: number, audit?: (revoked: readonly IssuedCertificateRecord[]) => readonly AuditInput[]): Promise<{ record: IssuedCertificateRecord; changed: boolean } | undefined> {
      return ctx.write(async (db) => {
        // One conditional write decides who revoked it (never a read then a write); the read after
        // it is for the answer.
        const updated = await db.updateTable('ca_certificates').set({ revoked_at: at }).where('serial', '=', serial).where('revoked_at', 'is', null).executeTakeFirst();
        const changed = Number(updated.numUpdatedRows) === 1;
        if (changed) await bumpRevocations(db);
        const row = await db.selectFrom('ca_certificates').selectAll().where('serial', '=', serial).executeTakeFirst();
        if (row === undefined) return undefined;
        const record = certificateFromRow(row);
        if (changed && audit !== undefined) await appendAuditInTransaction(ctx, db, audit([record]));
        return { record, changed };
      });
    },

    async revokeAgentCertificates(agentId: string, at: number, audit?: (revoked: readonly IssuedCertificateRecord[]) => readonly AuditInput[]): Promise<IssuedCertificateRecord[]> {
      return ctx.write(async (db) => {
        const rows = await db
          .updateTable('ca_certificates')
          .set({ revoked_at: at })
          .where('agent_id', '=', agentId)
          .where('revoked_at', 'is', null)
          .where('not_after', '>=', at)
          .returningAll()
          .execute();
        const revoked = rows.map(certificateFromRow);
        if (revoked.length > 0) {
          await bumpRevocations(db);
          if (audit !== undefined) await appendAuditInTransaction(ctx, db, audit(revoked));
        }
        return revoked;
      });
    },

    async revocationsChangeCounter(): Promise<number> {
      const row = await ctx.db.selectFrom('ca_revocations_change').select('counter').where('id', '=', 1).executeTakeFirstOrThrow();
      return Number(row.counter);
    },

    async listRevokedSerials(): Promise<{ serial: string; notAfter: number }[]> {
      // Served by the partial index of migration 0009: unrevoked rows are never read.
      const rows = await ctx.db.selectFrom('ca_certificates').select(['serial', 'not_after']).where('revoked_at', 'is not', null).execute();
      return rows.map((row) => ({ serial: row.serial, notAfter: Number(row.not_after) }));
    },

    async listRevokedCertificates(caId: string, now: number): Promise<IssuedCertificateRecord[]> {
      const rows = await ctx.db
        .selectFrom('ca_certificates')
        .selectAll()
        .where('ca_id', '=', caId)
        .where('revoked_at', 'is not', null)
        .where('not_after', '>=', now)
        .execute();
      return rows.map(certificateFromRow);
    },

    async pruneCertificates(before: number): Promise<number> {
      return ctx.write(async (db) => Number((await db.deleteFrom('ca_certificates').where('not_after', '<', before).executeTakeFirst()).numDeletedRows));
    },

    async getCrl(caId: string): Promise<CrlRecord | undefined> {
      const row = await ctx.db.selectFrom('ca_crls').selectAll().where('ca_id', '=', caId).executeTakeFirst();
      return row === undefined ? undefined : crlFromRow(row);
    },

    async issueCrl(caId: string, stillNeeded: (current: CrlRecord | undefined) => boolean, build: (number: number) => CrlRecord): Promise<CrlRecord | undefined> {
      return ctx.write(async (db) => {
        await lock(db);
        const row = await db.selectFrom('ca_crls').selectAll().where('ca_id', '=', caId).executeTakeFirst();
        const current = row === undefined ? undefined : crlFromRow(row);
        if (!stillNeeded(current)) return undefined;
        const next = build((current?.number ?? 0) + 1);
        const values = { number: next.number, this_update: next.thisUpdate, next_update: next.nextUpdate, der: next.der };
        if (current === undefined) await db.insertInto('ca_crls').values({ ca_id: caId, ...values }).execute();
        else await db.updateTable('ca_crls').set(values).where('ca_id', '=', caId).execute();
        return next;
      });
    },
  };
}
