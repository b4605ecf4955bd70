import { describe, expect, it } from 'vitest';
import { hashAuditRecord } from '../../src/audit/hash-chain.js';
import { verifyAuditChain } from '../../src/audit/verify-audit-chain.js';
import type { AuditRecord } from '../../src/store/records.js';
import { auditInput, chain } from './audit-fixtures.js';

/** Rows as a database holds them, read back in seq order as `readAuditRange` does. */
function tableOf(rows: AuditRecord[]): { readAuditRange(fromSeq: number, limit: number): Promise<AuditRecord[]>; reads: number } {
  const table = {
    reads: 0,
    readAuditRange(fromSeq: number, limit: number): Promise<AuditRecord[]> {
      table.reads++;
      const sorted = rows.filter((r) => r.seq >= fromSeq).sort((a, b) => a.seq - b.seq);
      return Promise.resolve(structuredClone(sorted.slice(0, limit)));
    },
  };
  return table;
}

function intactLog(n: number): AuditRecord[] {
  return chain(
    Array.from({ length: n }, (_, i) => auditInput({ time: Date.UTC(2026, 0, 1) + i, requestId: `req_${i}`, details: { i } })),
    hashAuditRecord,
  );
}

function at(rows: AuditRecord[], index: number): AuditRecord {
  const row = rows[index];
  if (row === undefined) throw new Error(`no row ${index}`);
  return row;
}

describe('verifyAuditChain', () => {
  it.each([1, 3, 10, 1000])('passes an intact chain read in chunks of %i', async (chunk) => {
    const table = tableOf(intactLog(10));
    expect(await verifyAuditChain(table, { chunk })).toEqual({ ok: true, recordsChecked: 10 });
  });

  it('passes an empty log', async () => {
    expect(await verifyAuditChain(tableOf([]))).toEqual({ ok: true, recordsChecked: 0 });
  });

  it('reports a record edited in place', async () => {
    const rows = intactLog(10);
    rows[4] = { ...at(rows, 4), details: { i: 400 } };
    expect(await verifyAuditChain(tableOf(rows), { chunk: 3 })).toEqual({ ok: false, recordsChecked: 4, firstBadSeq: 5, problem: 'edited' });
  });

  it('reports an edited record whose own hash was recomputed to hide it', async () => {
    const rows = intactLog(10);
    const { hash: _h, prevHash, ...fields } = { ...at(rows, 4), outcome: 'failure' as const };
    rows[4] = { ...fields, prevHash, hash: hashAuditRecord(prevHash, fields) };
    expect(await verifyAuditChain(tableOf(rows))).toEqual({ ok: false, recordsChecked: 4, firstBadSeq: 5, problem: 'edited' });
  });

  it('reports a deleted record', async () => {
    const rows = intactLog(10).filter((r) => r.seq !== 5);
    expect(await verifyAuditChain(tableOf(rows), { chunk: 4 })).toEqual({ ok: false, recordsChecked: 4, firstBadSeq: 5, problem: 'deleted' });
  });

  it('reports the first records deleted', async () => {
    const rows = intactLog(10).filter((r) => r.seq > 2);
    expect(await verifyAuditChain(tableOf(rows))).toEqual({ ok: false, recordsChecked: 0, firstBadSeq: 1, problem: 'deleted' });
  });

  it('reports two swapped records', async () => {
    const rows = intactLog(10);
    const [a, b] = [at(rows, 4), at(rows, 5)];
    rows[4] = { ...b, seq: 5 };
    rows[5] = { ...a, seq: 6 };
    expect(await verifyAuditChain(tableOf(rows))).toEqual({ ok: false, recordsChecked: 4, firstBadSeq: 5, problem: 'reordered' });
  });

  it('cannot see records cut from the end: that needs an external anchor (documented)', async () => {
    const rows = intactLog(10).slice(0, 7);
    expect(await verifyAuditChain(tableOf(rows))).toEqual({ ok: true, recordsChecked: 7 });
  });

  it('refuses a chunk size that is not a positive integer', async () => {
    await expect(verifyAuditChain(tableOf([]), { chunk: 0 })).rejects.toThrow(TypeError);
  });
});
