import type { AuditInput } from '../store/records.js';
import type { CommitResult, CommitUnit } from '../store/ports/commit-store.js';

/**
 * The durable, hash-chained audit log with group commit (DESIGN.md §4): `commit` resolves only
 * once the unit's batch is durable; concurrent callers share one flush.
 */
export interface AuditLog {
  /** Queues a unit for the next batch and resolves when it is durable. */
  commit(unit: CommitUnit): Promise<CommitResult>;
  /** Shorthand for a unit with one audit record and nothing else. */
  record(input: AuditInput): Promise<void>;
  /** Flushes what is queued and stops the timer. */
  close(): Promise<void>;
}
