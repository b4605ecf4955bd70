import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CommitLog } from '../../src/audit/commit-log.js';
import { exportAudit } from '../../src/admin/export-audit.js';
import { createCommitLog } from '../../src/audit/group-commit.js';
import { hashAuditRecord } from '../../src/audit/hash-chain.js';
import { verifyAuditChain } from '../../src/audit/verify-audit-chain.js';
import { openStore } from '../../src/store/sql/open-store.js';
import { SQLITE_FILE } from '../../src/store/sql/open-database.js';
import type { AuditRecord } from '../../src/store/records.js';
import type { CommitStore } from '../../src/store/ports/commit-store.js';
import type { Store } from '../../src/store/store.js';
import { auditInput, recordingLogger, unitOf } from './audit-fixtures.js';

let dataDir: string;
let store: Store;
let commitCalls: number;
let log: CommitLog;

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'agentauth-audit-'));
  store = await openStore({ databaseUrl: undefined, dataDir, migrate: true });
  commitCalls = 0;
  // Counts transactions; every call goes to the real store.
  const counting: CommitStore = {
    commitUnits: (units, hashRecord) => {
      commitCalls++;
      return store.commitUnits(units, hashRecord);
    },
  };
  log = createCommitLog({ store: counting, flushIntervalMs: 2, logger: recordingLogger().logger });
});

afterEach(async () => {
  await log.close();
  await store.close();
  await rm(dataDir, { recursive: true, force: true });
});

/** Tampers with the database directly, as someone with file access would. */
function tamper(sql: string, ...params: unknown[]): void {
  const db = new BetterSqlite3(join(dataDir, SQLITE_FILE));
  try {
    db.prepare(sql).run(...params);
  } finally {
    db.close();
  }
}

async function commitRecords(n: number): Promise<void> {
  await Promise.all(Array.from({ length: n }, (_, i) => log.commit(unitOf(auditInput({ requestId: `req_${i}`, details: { i, scope: 'a b', nested: { z: 1, a: [i, 'x'] } } })))));
}

describe('group commit into the real SQLite store', () => {
  it('commits 1,000 concurrent units in a few transactions, and the chain verifies', async () => {
    const results = await Promise.all(
      Array.from({ length: 1000 }, (_, i) =>
        log.commit(
          unitOf(
            auditInput({
              requestId: `req_${i}`,
              // Key order varies; the hash must not.
              details: i % 2 === 0 ? { jti: `j${i}`, aud: ['https://api.example.com'], cnf: { x: 1, a: 2 } } : { cnf: { a: 2, x: 1 }, aud: ['https://api.example.com'], jti: `j${i}` },
            }),
          ),
        ),
      ),
    );
    const seqs = results.map((r) => (r.ok ? r.firstSeq : -1));
    expect(new Set(seqs).size).toBe(1000);
    expect(Math.min(...seqs)).toBe(1);
    expect(Math.max(...seqs)).toBe(1000);
    // 1,000 units in batches of at most 256: a handful of transactions, not one per request.
    expect(commitCalls).toBeGreaterThanOrEqual(4);
    expect(commitCalls).toBeLessThan(20);
    expect(await verifyAuditChain(store, { chunk: 128 })).toMatchObject({ ok: true, recordsChecked: 1000 });
  });

  it('writes onReplay instead of audit for a unit whose claim was already used, and still chains', async () => {
    const claim = { key: 'assertion:agt_1:jti-1', expiresAt: Date.UTC(2030, 0, 1) };
    const first = log.commit({ claims: [claim], audit: [auditInput()], issuedTokens: [], onReplay: [auditInput({ event: 'client_authentication.failed', outcome: 'failure', reason: 'replayed' })] });
    const second = log.commit({ claims: [claim], audit: [auditInput()], issuedTokens: [], onReplay: [auditInput({ event: 'client_authentication.failed', outcome: 'failure', reason: 'replayed' })] });
    expect(await first).toEqual({ ok: true, firstSeq: 1 });
    expect(await second).toEqual({ ok: false, reason: 'replayed', replayedKeys: [claim.key] });
    const records = await store.readAuditRange(1, 10);
    expect(records.map((r) => r.event)).toEqual(['access_token.issued', 'client_authentication.failed']);
    expect(await verifyAuditChain(store)).toMatchObject({ ok: true, recordsChecked: 2 });
  });

  it('exports every record as one JSON line that recomputes to its hash', async () => {
    await commitRecords(30);
    const lines: string[] = [];
    for await (const line of exportAudit(store, {}, { pageSize: 7 })) lines.push(line);
    expect(lines).toHaveLength(30);
    let prevHash = '';
    for (const [i, line] of lines.entries()) {
      expect(line.endsWith('\n')).toBe(true);
      const json = JSON.parse(line) as Record<string, unknown>;
      expect(Object.keys(json)).toEqual(['seq', 'time', 'event', 'outcome', 'agent_id', 'actor', 'source_ip', 'reason', 'request_id', 'details', 'prev_hash', 'hash']);
      expect(json.seq).toBe(i + 1);
      expect(json.time).toBe('2026-01-01T00:00:00.000Z');
      expect(json.prev_hash).toBe(prevHash);
      // An offline verifier needs nothing but the line (docs/events.md, "Hash chain").
      const recomputed = hashAuditRecord(json.prev_hash as string, {
        seq: json.seq as number,
        time: Date.parse(json.time as string),
        event: json.event as AuditRecord['event'],
        outcome: json.outcome as 'success',
        agentId: json.agent_id as string,
        actor: json.actor as string,
        sourceIp: json.source_ip as string,
        reason: json.reason as null,
        requestId: json.request_id as string,
        details: json.details as Record<string, unknown>,
      });
      expect(recomputed).toBe(json.hash);
      prevHash = json.hash as string;
    }
    const failures: string[] = [];
    for await (const line of exportAudit(store, { outcome: 'failure' })) failures.push(line);
    expect(failures).toEqual([]);
  });
});

describe('verifyAuditChain finds tampering done with SQL', () => {
  beforeEach(async () => {
    await commitRecords(20);
    expect(await verifyAuditChain(store)).toMatchObject({ ok: true, recordsChecked: 20 });
  });

  it('an edited record', async () => {
    tamper(`UPDATE audit_log SET outcome = 'failure' WHERE seq = 8`);
    expect(await verifyAuditChain(store, { chunk: 5 })).toEqual({ ok: false, recordsChecked: 7, firstBadSeq: 8, problem: 'edited' });
  });

  it('an edited record whose hash was recomputed', async () => {
    const [row] = await store.readAuditRange(8, 1);
    const { hash: _hash, prevHash, ...fields } = row as AuditRecord;
    const edited = { ...fields, details: { ...fields.details, scope: 'admin' } };
    tamper(`UPDATE audit_log SET details = ?, hash = ? WHERE seq = 8`, JSON.stringify(edited.details), hashAuditRecord(prevHash, edited));
    expect(await verifyAuditChain(store)).toEqual({ ok: false, recordsChecked: 7, firstBadSeq: 8, problem: 'edited' });
  });

  it('a deleted record', async () => {
    tamper(`DELETE FROM audit_log WHERE seq = 12`);
    expect(await verifyAuditChain(store, { chunk: 5 })).toEqual({ ok: false, recordsChecked: 11, firstBadSeq: 12, problem: 'deleted' });
  });

  it('the first record deleted', async () => {
    tamper(`DELETE FROM audit_log WHERE seq = 1`);
    expect(await verifyAuditChain(store)).toEqual({ ok: false, recordsChecked: 0, firstBadSeq: 1, problem: 'deleted' });
  });

  it('two swapped records', async () => {
    tamper(`UPDATE audit_log SET seq = -1 WHERE seq = 5`);
    tamper(`UPDATE audit_log SET seq = 5 WHERE seq = 6`);
    tamper(`UPDATE audit_log SET seq = 6 WHERE seq = -1`);
    expect(await verifyAuditChain(store)).toEqual({ ok: false, recordsChecked: 4, firstBadSeq: 5, problem: 'reordered' });
  });
});
