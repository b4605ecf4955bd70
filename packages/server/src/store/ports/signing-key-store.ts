import type { AuditInput, SigningKeyRecord } from '../records.js';

/**
 * What a key plan returns: the keys to insert, the ones to change, the kids to delete, and the audit
 * records of those transitions, appended to the audit chain in the same transaction.
 */
export interface SigningKeyChanges {
  insert: SigningKeyRecord[];
  update: SigningKeyRecord[];
  remove: string[];
  audit: AuditInput[];
}

/**
 * Signing keys, coordinated through the database so every node agrees (ARCHITECTURE.md, Storage,
 * durability and many nodes).
 */
export interface SigningKeyStore {
  /** Every key not yet expired at `now`, any state. */
  listSigningKeys(now: number): Promise<SigningKeyRecord[]>;
  /**
   * Runs `plan` under an exclusive lock on the key set (SELECT ... FOR UPDATE on PostgreSQL, a write
   * transaction on SQLite): it sees the current keys and returns the inserts and state changes to
   * apply, so two nodes rotating at once cannot both win. The changes and their `audit` records
   * commit together or not at all: if a record cannot be written, no key changes.
   */
  mutateSigningKeys(now: number, plan: (current: SigningKeyRecord[]) => SigningKeyChanges): Promise<SigningKeyRecord[]>;
}
