import type { AuditInput } from '../records.js';

/**
 * Every stored column whose values are sealed under the master key (AES-256-GCM; ARCHITECTURE.md,
 * Security rules), named for the audit record. A new sealed column is added here, to
 * `sealedValueAad` and to the SQL implementation, or a master-key rotation would leave it under
 * the old key.
 */
export const SEALED_COLUMNS = ['signing_key', 'ca_key', 'ssf_stream', 'totp', 'totp_pending', 'login_provider', 'login_request', 'ciba_ping'] as const;

/** One of {@link SEALED_COLUMNS}. */
export type SealedColumn = (typeof SEALED_COLUMNS)[number];

/** A sealed value as stored: its column, the id of its row (what its associated data is made of), the sealed text. */
export interface SealedValue {
  column: SealedColumn;
  id: string;
  sealed: string;
}

/** How many values of each column were sealed again. */
export type ResealCounts = Record<SealedColumn, number>;

/** Re-encryption of everything sealed under the master key, for `agentauth master-key rotate`. */
export interface SealedValueStore {
  /**
   * In ONE write transaction: reads every sealed value, replaces it with what `reseal` returns,
   * and appends the audit records `audit` makes of the counts to the hash chain. If `reseal`
   * throws (a value the current key does not open), nothing is written and the error is thrown:
   * the database is never left with some values under one key and some under another. `settings`
   * are written in the same transaction (the new key's check value, which nodes compare at start).
   */
  resealAll(reseal: (value: SealedValue) => string, audit: (counts: ResealCounts) => AuditInput[], settings?: Readonly<Record<string, string>>): Promise<ResealCounts>;
}
