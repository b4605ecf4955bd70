import type { Page, PageRequest } from './page.js';

/** One signed audit checkpoint as stored (docs/operations.md, "Audit checkpoints"). */
export interface AuditCheckpointRecord {
  /** 1, 2, 3, ...: the checkpoints of a deployment form a chain of their own. */
  checkpoint: number;
  /** The audit head it vouches for: the last record's seq and hash when it was signed. */
  seq: number;
  hash: string;
  /** When it was signed, ms since the epoch (its `iat`, in seconds, is this rounded down). */
  createdAt: number;
  /** The signing key. */
  kid: string;
  /** The compact JWS itself: public, and what is exported. */
  jws: string;
}

/**
 * Signed checkpoints of the audit log's head, and the head itself. Checkpoints are written by
 * whichever node signs one first; they are exported, and only the exported copies prove anything
 * (a database an attacker can rewrite can lose its checkpoints too).
 */
export interface AuditCheckpointStore {
  /** The last audit record's seq and hash, or undefined while the log is empty. */
  readAuditHead(): Promise<{ seq: number; hash: string } | undefined>;
  /**
   * One atomic conditional insert: false when a checkpoint with this number already exists
   * (another node signed it first), and nothing is written.
   */
  insertAuditCheckpoint(record: AuditCheckpointRecord): Promise<boolean>;
  /** The checkpoint with the highest number, or undefined. */
  latestAuditCheckpoint(): Promise<AuditCheckpointRecord | undefined>;
  /** Ordered by number ascending; the cursor is the last number seen. */
  listAuditCheckpoints(page: PageRequest): Promise<Page<AuditCheckpointRecord>>;
}
