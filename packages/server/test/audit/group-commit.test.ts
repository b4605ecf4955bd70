import { afterEach, describe, expect, it, vi } from 'vitest';
import { createCommitLog } from '../../src/audit/group-commit.js';
import { verifyAuditChain } from '../../src/audit/verify-audit-chain.js';
import type { CommitResult } from '../../src/store/ports/commit-store.js';
import { auditInput, recordingLogger, RecordingCommitStore, unitOf, unknownEvent } from './audit-fixtures.js';

function setup(options: { flushIntervalMs?: number; maxBatch?: number } = {}) {
  const store = new RecordingCommitStore();
  const { logger, lines } = recordingLogger();
  const log = createCommitLog({ store, flushIntervalMs: options.flushIntervalMs ?? 0, logger, ...(options.maxBatch === undefined ? {} : { maxBatch: options.maxBatch }) });
  return { store, log, lines };
}

function commitMany(log: ReturnType<typeof setup>['log'], n: number, from = 0): Promise<CommitResult>[] {
  return Array.from({ length: n }, (_, i) => log.commit(unitOf(auditInput({ requestId: `req_${from + i}` }))));
}

afterEach(() => {
  vi.useRealTimers();
});

describe('group commit: batching', () => {
  it('commits many concurrent units in one transaction, each caller getting its own result', async () => {
    const { store, log } = setup();
    const results = await Promise.all(commitMany(log, 100));
    expect(store.calls).toHaveLength(1);
    expect(store.calls[0]).toHaveLength(100);
    expect(results.map((r) => (r.ok ? r.firstSeq : -1))).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(store.records.map((r) => r.requestId)).toEqual(Array.from({ length: 100 }, (_, i) => `req_${i}`));
    expect(await verifyAuditChain({ readAuditRange: (from, limit) => Promise.resolve(store.records.filter((r) => r.seq >= from).slice(0, limit)) })).toMatchObject({
      ok: true,
      recordsChecked: 100,
    });
  });

  it('waits flushIntervalMs after the first unit, with one timer per batch', async () => {
    vi.useFakeTimers();
    const { store, log } = setup({ flushIntervalMs: 10 });
    const pending = commitMany(log, 50);
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(9);
    expect(store.calls).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(store.calls).toHaveLength(1);
    await Promise.all(pending);
    expect(store.calls[0]).toHaveLength(50);
  });

  it('flushes as soon as a batch holds maxBatch units, without waiting for the timer', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { store, log } = setup({ flushIntervalMs: 60_000, maxBatch: 4 });
    await Promise.all(commitMany(log, 4));
    expect(store.calls.map((c) => c.length)).toEqual([4]);
    await new Promise((resolve) => setImmediate(resolve));
    // A batch short of maxBatch, on an idle log, waits for its timer.
    const rest = commitMany(log, 2, 4);
    await vi.advanceTimersByTimeAsync(59_999);
    expect(store.calls.map((c) => c.length)).toEqual([4]);
    await vi.advanceTimersByTimeAsync(1);
    await Promise.all(rest);
    expect(store.calls.map((c) => c.length)).toEqual([4, 2]);
  });

  it('never runs two flushes at once; units arriving during a flush are flushed right after it', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { store, log } = setup({ flushIntervalMs: 60_000, maxBatch: 2 });
    store.hold();
    const first = commitMany(log, 2);
    const during = commitMany(log, 5, 2);
    // Five more arrived: two full batches are sealed and one unit waits, with no timer armed.
    expect(store.calls).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(0);
    store.release();
    await Promise.all([...first, ...during]);
    expect(store.calls.map((c) => c.length)).toEqual([2, 2, 2, 1]);
    expect(store.maxInFlight).toBe(1);
    expect(store.records.map((r) => r.requestId)).toEqual(Array.from({ length: 7 }, (_, i) => `req_${i}`));
  });

  it('takes every unit that arrived during a flush into the next batch', async () => {
    const { store, log } = setup();
    store.hold();
    const first = log.commit(unitOf(auditInput()));
    await new Promise((resolve) => setImmediate(resolve));
    expect(store.calls).toHaveLength(1);
    const during = commitMany(log, 30);
    store.release();
    await Promise.all([first, ...during]);
    expect(store.calls.map((c) => c.length)).toEqual([1, 30]);
    expect(store.maxInFlight).toBe(1);
  });
});

describe('group commit: failure and shutdown', () => {
  it('rejects exactly the failed batch, logs it, and the next batch still commits', async () => {
    const { store, log, lines } = setup();
    store.hold();
    const failing = commitMany(log, 3);
    await new Promise((resolve) => setImmediate(resolve));
    const next = commitMany(log, 2, 3);
    const boom = new Error('disk full');
    store.failNext(boom);
    store.release();
    const settled = await Promise.allSettled([...failing, ...next]);
    expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected', 'rejected', 'fulfilled', 'fulfilled']);
    for (const s of settled.slice(0, 3)) expect((s as PromiseRejectedResult).reason).toBe(boom);
    expect(store.records.map((r) => r.requestId)).toEqual(['req_3', 'req_4']);
    expect(lines().filter((l) => l.level === 50)).toHaveLength(1);
    expect(await log.commit(unitOf(auditInput()))).toEqual({ ok: true, firstSeq: 3 });
  });

  it('close() flushes what is queued and waits for it; later commits are refused', async () => {
    vi.useFakeTimers();
    const { store, log } = setup({ flushIntervalMs: 60_000 });
    const pending = commitMany(log, 5);
    await log.close();
    expect(store.records).toHaveLength(5);
    await expect(Promise.all(pending)).resolves.toHaveLength(5);
    expect(vi.getTimerCount()).toBe(0);
    expect(() => log.commit(unitOf(auditInput()))).toThrow(TypeError);
  });

  it('close() waits for a flush in flight and the batch queued behind it', async () => {
    const { store, log } = setup();
    store.hold();
    const first = commitMany(log, 1);
    await new Promise((resolve) => setImmediate(resolve));
    const second = commitMany(log, 3, 1);
    const closing = log.close();
    store.release();
    await closing;
    expect(store.records).toHaveLength(4);
    await Promise.all([...first, ...second]);
  });

  it('record() commits a unit holding only that record', async () => {
    const { store, log } = setup();
    await log.record(auditInput({ event: 'server.started', agentId: null, actor: 'system' }));
    expect(store.calls).toEqual([[{ claims: [], audit: [expect.objectContaining({ event: 'server.started' })], issuedTokens: [], onReplay: [] }]]);
  });
});

describe('group commit: checks at the boundary', () => {
  it('throws TypeError at once for an unknown event, in commit, record and onReplay, queuing nothing', async () => {
    const { store, log } = setup();
    expect(() => log.commit(unitOf(auditInput({ event: unknownEvent('token.minted') })))).toThrow(TypeError);
    expect(() => log.record(auditInput({ event: unknownEvent('nope') }))).toThrow(TypeError);
    expect(() => log.commit({ ...unitOf(auditInput()), onReplay: [auditInput({ event: unknownEvent('replay.seen') })] })).toThrow(TypeError);
    await log.close();
    expect(store.calls).toHaveLength(0);
  });

  it('refuses invalid construction options', () => {
    const { logger } = recordingLogger();
    const store = new RecordingCommitStore();
    expect(() => createCommitLog({ store, logger, flushIntervalMs: -1 })).toThrow(TypeError);
    expect(() => createCommitLog({ store, logger, flushIntervalMs: 5, maxBatch: 0 })).toThrow(TypeError);
  });
});
