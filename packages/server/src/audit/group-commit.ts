import type { Logger } from 'pino';
import type { AuditInput } from '../store/records.js';
import type { CommitResult, CommitStore, CommitUnit } from '../store/ports/commit-store.js';
import type { CommitLog } from './commit-log.js';
import { hashAuditRecord } from './hash-chain.js';
import { assertCommitUnit } from './validate-audit-input.js';

/** Default largest number of units in one transaction. */
export const DEFAULT_MAX_BATCH = 256;

export interface GroupCommitDeps {
  store: CommitStore;
  /** How long the first unit of a batch waits for company, ms; 0 flushes on the next tick. */
  flushIntervalMs: number;
  /** A batch is flushed as soon as it holds this many units (default {@link DEFAULT_MAX_BATCH}). */
  maxBatch?: number;
  logger: Pick<Logger, 'error'>;
  /** Hears each batch's audit records once durable (`CommittedAuditTap.emit`); it must only enqueue. */
  onCommitted?: (records: readonly AuditInput[]) => void;
  /** Told of each batch as its flush starts; what it returns is told how the flush ended (metrics). */
  observer?: CommitObserver;
}

/**
 * Watches the flushes: called with a batch's units when its transaction starts, it returns what is
 * called with the results once it committed, or with undefined when it failed. It must neither
 * throw nor wait: it runs on the commit path.
 */
export type CommitObserver = (units: readonly CommitUnit[]) => (results: readonly CommitResult[] | undefined) => void;

function ignore(): void {}

/** One batch: the units and, at the same index, the settle functions of the caller that sent it. */
interface Batch {
  units: CommitUnit[];
  resolve: ((result: CommitResult) => void)[];
  reject: ((error: unknown) => void)[];
}

/**
 * The commit log with group commit (ARCHITECTURE.md, The request that matters): many requests'
 * units in one transaction, so no request pays for its own fsync and none is answered before its
 * writes are durable.
 *
 * - `commit(unit)` checks the unit at once (unknown event, oversized or secret-looking `details`:
 *   `TypeError`, thrown synchronously; see `assertAuditInput`) and joins the open batch.
 * - The open batch is flushed `flushIntervalMs` after its first unit arrived (0: on the next tick,
 *   `setImmediate`), or as soon as it holds `maxBatch` units.
 * - At most one flush is in flight. Units that arrive meanwhile form the next batch, which is
 *   flushed as soon as the one in flight ends, without waiting for the timer again: under load the
 *   batch size grows with the arrival rate and the store's commit latency.
 * - Each caller's promise resolves with its own `CommitResult` once the batch's transaction has
 *   committed, and rejects with the store's error if it failed (fail closed: the request answers
 *   503 when storage was unavailable, else `server_error`, and nothing is reported done that is
 *   not durable). A failure affects only that batch; the next one is tried afresh.
 * - `close()` refuses new units, flushes everything queued and resolves when the last flush has
 *   ended (failed flushes are reported to their callers and logged, not thrown from `close`).
 *
 * Cost per unit: the check, one array slot per batch array and the caller's promise; one timer per
 * batch, never one per unit.
 */
export function createCommitLog(deps: GroupCommitDeps): CommitLog {
  const { store, flushIntervalMs, logger } = deps;
  const maxBatch = deps.maxBatch ?? DEFAULT_MAX_BATCH;
  if (!Number.isSafeInteger(flushIntervalMs) || flushIntervalMs < 0) throw new TypeError('audit: flushIntervalMs must be a non-negative integer');
  if (!Number.isSafeInteger(maxBatch) || maxBatch < 1) throw new TypeError('audit: maxBatch must be a positive integer');

  /** Batches full to maxBatch, waiting their turn, oldest first. */
  const sealed: Batch[] = [];
  let open: Batch | undefined;
  // Exactly one of these is set while the open batch waits (never clearImmediate a Timeout).
  let timeout: NodeJS.Timeout | undefined;
  let immediate: NodeJS.Immediate | undefined;
  let draining: Promise<void> | undefined;
  let closed = false;

  function enqueue(unit: CommitUnit, resolve: (result: CommitResult) => void, reject: (error: unknown) => void): void {
    open ??= { units: [], resolve: [], reject: [] };
    open.units.push(unit);
    open.resolve.push(resolve);
    open.reject.push(reject);
    if (open.units.length >= maxBatch) {
      sealed.push(open);
      open = undefined;
      startDrain();
    } else if (timeout === undefined && immediate === undefined && draining === undefined) {
      // The first unit of an idle log starts the batch's one timer. While a flush is in flight no
      // timer is needed: the flush loop takes this batch as soon as it is done.
      if (flushIntervalMs === 0) immediate = setImmediate(startDrain);
      else timeout = setTimeout(startDrain, flushIntervalMs);
    }
  }

  function startDrain(): void {
    if (timeout !== undefined) clearTimeout(timeout);
    if (immediate !== undefined) clearImmediate(immediate);
    timeout = immediate = undefined;
    if (draining !== undefined) return;
    draining = drain().then(afterDrain, (error: unknown) => {
      logger.error({ err: error }, 'group commit loop failed');
      afterDrain();
    });
  }

  function afterDrain(): void {
    draining = undefined;
    // A unit may have joined between the loop's last look at the queue and this callback.
    if (open !== undefined || sealed.length > 0) startDrain();
  }

  /** The one flush loop: runs batches one after the other until nothing is queued. */
  async function drain(): Promise<void> {
    for (;;) {
      const batch = sealed.shift() ?? open;
      if (batch === undefined) return;
      if (batch === open) open = undefined;
      await flush(batch);
    }
  }

  async function flush(batch: Batch): Promise<void> {
    let results: CommitResult[];
    const observed = deps.observer?.(batch.units);
    try {
      results = await store.commitUnits(batch.units, hashAuditRecord);
      if (results.length !== batch.units.length) {
        throw new Error(`commitUnits returned ${results.length} results for ${batch.units.length} units`);
      }
    } catch (error) {
      observed?.(undefined);
      for (const reject of batch.reject) reject(error);
      logger.error({ err: error, units: batch.units.length }, 'group commit failed; its requests fail closed');
      return;
    }
    observed?.(results);
    batch.resolve.forEach((resolve, i) => resolve(results[i] as CommitResult));
    if (deps.onCommitted !== undefined) {
      // What was written: a replayed unit's records are its `onReplay` ones.
      const written = batch.units.flatMap((unit, i) => ((results[i] as CommitResult).ok ? unit.audit : unit.onReplay));
      try {
        deps.onCommitted(written);
      } catch (error) {
        logger.error({ err: error }, 'a committed-audit listener failed');
      }
    }
  }

  function commit(unit: CommitUnit): Promise<CommitResult> {
    if (closed) throw new TypeError('audit: the commit log is closed');
    assertCommitUnit(unit);
    return new Promise<CommitResult>((resolve, reject) => enqueue(unit, resolve, reject));
  }

  return {
    commit,
    record(input: AuditInput): Promise<void> {
      return commit({ claims: [], audit: [input], issuedTokens: [], onReplay: [] }).then(ignore);
    },
    async close(): Promise<void> {
      closed = true;
      if (open !== undefined || sealed.length > 0) startDrain();
      // A drain started earlier may still be running; wait until the queue is empty.
      while (draining !== undefined) await draining;
    },
  };
}
