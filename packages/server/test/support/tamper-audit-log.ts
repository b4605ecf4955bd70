import { hashAuditRecord } from '../../src/audit/hash-chain.js';
import type { DatabaseOptions } from '../../src/store/sql/open-database.js';
import { auditFromRow } from '../../src/store/sql/rows.js';
import { withRawDatabase } from './raw-database.js';

/*
 * What an attacker with write access to the database can do to the audit log, and what the hash
 * chain alone cannot show (docs/events.md, "Hash chain"): cut records off its end, or rewrite one
 * and recompute every later hash. Both also move the chain head row, so the server keeps chaining
 * onto the doctored log and nothing looks wrong from inside.
 */

type Where = Pick<DatabaseOptions, 'databaseUrl' | 'dataDir'>;

/** Deletes every record after `lastSeq` and makes `lastSeq` the chain head. */
export async function truncateAuditLog(where: Where, lastSeq: number): Promise<void> {
  await withRawDatabase(where, async (db) => {
    await db.deleteFrom('audit_log').where('seq', '>', lastSeq).execute();
    const last = await db.selectFrom('audit_log').select(['seq', 'hash']).where('seq', '=', lastSeq).executeTakeFirstOrThrow();
    await db.updateTable('audit_chain_head').set({ seq: Number(last.seq), hash: last.hash }).where('id', '=', 1).execute();
  });
}

/** Changes the `reason` of record `seq` and recomputes its hash and every later one, head included. */
export async function rewriteAuditRecord(where: Where, seq: number, reason: string): Promise<void> {
  await withRawDatabase(where, async (db) => {
    const rows = await db.selectFrom('audit_log').selectAll().where('seq', '>=', seq).orderBy('seq').execute();
    let prevHash = (await db.selectFrom('audit_log').select('hash').where('seq', '=', seq - 1).executeTakeFirst())?.hash ?? '';
    for (const row of rows) {
      const { hash: _hash, prevHash: _prev, ...fields } = auditFromRow({ ...row, seq: Number(row.seq), time: Number(row.time) });
      const hash = hashAuditRecord(prevHash, Number(row.seq) === seq ? { ...fields, reason } : fields);
      await db
        .updateTable('audit_log')
        .set({ prev_hash: prevHash, hash, ...(Number(row.seq) === seq ? { reason } : {}) })
        .where('seq', '=', row.seq)
        .execute();
      prevHash = hash;
    }
    await db.updateTable('audit_chain_head').set({ hash: prevHash }).where('id', '=', 1).execute();
  });
}
