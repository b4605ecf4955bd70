import type { AuditInput } from '../store/records.js';
import type { CommitResult, CommitUnit } from '../store/ports/commit-store.js';

/**
 * The server's one durable write (ARCHITECTURE.md, The request that matters): a unit holds what a
 * request must make durable before it answers, its single-use claims, its audit records, and the
 * tokens and certificates it issued, all committed atomically. Units share transactions (group
 * commit); `commit` resolves only once its unit's batch is durable, and the audit records of every
 * batch extend one hash-chained log.
 */
export interface CommitLog {
  /** Queues a unit for the next batch and resolves when it is durable. */
  commit(unit: CommitUnit): Promise<CommitResult>;
  /** Shorthand for a unit with one audit record and nothing else. */
  record(input: AuditInput): Promise<void>;
  /** Flushes what is queued and stops the timer. */
  close(): Promise<void>;
}
