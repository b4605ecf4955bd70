import type { AuditInput } from '../records.js';

/** All times are milliseconds since the epoch. */

/**
 * A third-party API key a team imported by its SHA-256 (docs/migration.md, "Keys you already
 * have"): the key itself never leaves the service that accepts it, and the server holds only its
 * digest. Like a managed key it belongs to one agent, carries scopes, resources, an owner, labels
 * and an expiry, and counts its uses the same way.
 */
export interface ImportedKeyRecord {
  /** `ik_...`: the public handle for the admin API and audit records. */
  id: string;
  /** Lowercase hex SHA-256 of the key, as `sha256sum` prints it. Never in a log or audit record. */
  keyDigest: string;
  agentId: string;
  /** Who answers for the key; the agent's owner unless named. */
  owner: string;
  /** Within the agent's scopes; empty means none. */
  scopes: readonly string[];
  /** RFC 8707 resources the key is accepted at, within the agent's. */
  resources: readonly string[];
  labels: Readonly<Record<string, string>>;
  importedAt: number;
  expiresAt: number;
  revokedAt: number | null;
  lastUsedAt: number | null;
  useCount: number;
  /** The most recent distinct source addresses, newest first, bounded by the caller. */
  sourceAddresses: readonly string[];
}

/** What {@link ImportedKeyStore.listImportedKeys} filters on. */
export interface ImportedKeyFilter {
  agentId?: string;
  /** At most this many, oldest first. */
  limit: number;
}

/** Storage of imported third-party keys, in domain verbs. */
export interface ImportedKeyStore {
  /**
   * Stores a whole batch and its `audit` in one transaction: all or nothing. A digest already
   * stored (or twice in the batch) is a `ConflictError`, with nothing written.
   */
  importKeys(records: readonly ImportedKeyRecord[], audit: readonly AuditInput[]): Promise<void>;
  getImportedKey(id: string): Promise<ImportedKeyRecord | undefined>;
  /** The key with this digest, whatever its state. */
  findImportedKeyByDigest(keyDigest: string): Promise<ImportedKeyRecord | undefined>;
  /** Which of `keyDigests` are already stored: for a per-line report before the batch is written. */
  knownImportedKeyDigests(keyDigests: readonly string[]): Promise<Set<string>>;
  listImportedKeys(filter: ImportedKeyFilter): Promise<ImportedKeyRecord[]>;
  /** Revokes `id` by one conditional write (only if not yet revoked), with `audit`. False when nothing changed. */
  revokeImportedKey(id: string, now: number, audit: readonly AuditInput[]): Promise<boolean>;
  /** Counts one use exactly as `ApiKeyStore.recordApiKeyUse` does for a managed key. */
  recordImportedKeyUse(id: string, now: number, sourceAddress: string | null, maxAddresses: number): Promise<void>;
}
