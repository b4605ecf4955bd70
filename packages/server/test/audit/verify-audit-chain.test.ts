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
    const rows = intactLog(10);
    expect(await verifyAuditChain(tableOf(rows), { chunk })).toEqual({ ok: true, recordsChecked: 10, head: { seq: 10, hash: at(rows, 9).hash } });
  });

  it('passes an empty log, whose head is the genesis', async () => {
    expect(await verifyAuditChain(tableOf([]))).toEqual({ ok: true, recordsChecked: 0, head: { seq: 0, hash: '' } });
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

  it('cannot see records cut from the end without an external anchor (documented)', async () => {
    const rows = intactLog(10).slice(0, 7);
    expect(await verifyAuditChain(tableOf(rows))).toMatchObject({ ok: true, recordsChecked: 7 });
  });

  it('passes when the chain still holds an expected head, at it or beyond it', async () => {
    const rows = intactLog(10);
    for (const index of [0, 6, 9]) {
      const expectHead = { seq: at(rows, index).seq, hash: at(rows, index).hash };
      expect(await verifyAuditChain(tableOf(rows), { chunk: 3, expectHead })).toEqual({ ok: true, recordsChecked: 10, head: { seq: 10, hash: at(rows, 9).hash } });
    }
  });

  it('reports a log cut before an expected head as truncated, naming the first missing seq', async () => {
    const rows = intactLog(10);
    const expectHead = { seq: 10, hash: at(rows, 9).hash };
    expect(await verifyAuditChain(tableOf(rows.slice(0, 7)), { expectHead })).toEqual({
      ok: false,
      recordsChecked: 7,
      firstBadSeq: 8,
      problem: 'truncated',
      head: { seq: 7, hash: at(rows, 6).hash },
    });
    expect(await verifyAuditChain(tableOf([]), { expectHead })).toMatchObject({ ok: false, firstBadSeq: 1, problem: 'truncated' });
  });

  it('reports a log cut and grown again past an expected head as rewritten', async () => {
    const rows = intactLog(10);
    // The first 5 records kept, then 7 others chained to them: seq 6..12, every link intact.
    const regrown = chain(
      [...rows.slice(0, 5).map(({ seq: _s, hash: _h, prevHash: _p, ...input }) => input), ...Array.from({ length: 7 }, (_, i) => auditInput({ time: Date.UTC(2026, 1, 1) + i, requestId: `new_${i}` }))],
      hashAuditRecord,
    );
    expect(at(regrown, 4).hash).toBe(at(rows, 4).hash);
    const expectHead = { seq: 8, hash: at(rows, 7).hash };
    expect(await verifyAuditChain(tableOf(regrown), { expectHead })).toEqual({
      ok: false,
      recordsChecked: 12,
      firstBadSeq: 8,
      problem: 'rewritten',
      head: { seq: 12, hash: at(regrown, 11).hash },
    });
  });

  it('reports a broken link before the expected head first', async () => {
    const rows = intactLog(10).filter((r) => r.seq !== 3);
    expect(await verifyAuditChain(tableOf(rows), { expectHead: { seq: 9, hash: 'x' } })).toEqual({ ok: false, recordsChecked: 2, firstBadSeq: 3, problem: 'deleted' });
  });

  it('refuses a chunk size that is not a positive integer', async () => {
    await expect(verifyAuditChain(tableOf([]), { chunk: 0 })).rejects.toThrow(TypeError);
    await expect(verifyAuditChain(tableOf([]), { expectHead: { seq: 0, hash: '' } })).rejects.toThrow(TypeError);
  });
});
