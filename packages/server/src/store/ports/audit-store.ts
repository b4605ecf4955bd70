import type { AuditOutcome, AuditRecord } from '../records.js';
import type { Page, PageRequest } from './page.js';

export interface AuditFilter {
  agentId?: string;
  event?: string;
  outcome?: AuditOutcome;
  /** Inclusive, ms. */
  from?: number;
  /** Exclusive, ms. */
  to?: number;
}

/** Reading the audit log. Records are written by the commit log (`CommitStore`) only. */
export interface AuditStore {
  /** Ordered by seq ascending. The cursor is the last seq seen. */
  queryAudit(filter: AuditFilter, page: PageRequest): Promise<Page<AuditRecord>>;
  /** Every record from `fromSeq` (inclusive) in order, in chunks, for verification and export. */
  readAuditRange(fromSeq: number, limit: number): Promise<AuditRecord[]>;
}
