import type { AuditInput } from '../records.js';

/** All times are milliseconds since the epoch. */

/** A one-time enrolment token as stored: its SHA-256, never the token (ARCHITECTURE.md, Security rules). */
export interface EnrollmentTokenRecord {
  /** `enr_...`: a public handle for audit records and the admin API. */
  id: string;
  /** Lowercase hex SHA-256 of the token. */
  tokenHash: string;
  agentId: string;
  createdAt: number;
  expiresAt: number;
  /** When the token was consumed; null while it is unused. */
  usedAt: number | null;
}

/** Why {@link EnrollmentStore.consumeEnrollmentToken} refused a token, for the operator (never the client). */
export type ConsumeRefusal = 'unknown' | 'used' | 'expired';

/** Storage of one-time enrolment tokens, in domain verbs; consuming one is one conditional write. */
export interface EnrollmentStore {
  /** Stores a new token, and appends `audit` (its creation's records) in the same transaction. */
  createEnrollmentToken(record: EnrollmentTokenRecord, audit?: readonly AuditInput[]): Promise<void>;
  /**
   * Consumes the token with this hash in ONE conditional write (`used_at` set only where it is
   * null and the token has not expired), so of two concurrent callers exactly one wins. Returns
   * the consumed record, or why nothing was consumed.
   */
  consumeEnrollmentToken(tokenHash: string, now: number): Promise<{ ok: true; record: EnrollmentTokenRecord } | { ok: false; reason: ConsumeRefusal; agentId?: string }>;
  /** Deletes tokens that expired before `before`; returns how many. */
  pruneEnrollmentTokens(before: number): Promise<number>;
}
