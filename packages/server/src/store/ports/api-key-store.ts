import type { AuditInput } from '../records.js';

/** All times are milliseconds since the epoch. */

/**
 * A managed API key as stored (docs/migration.md): its SHA-256, never the key (ARCHITECTURE.md,
 * Security rules). A key belongs to exactly one agent and is never shared.
 */
export interface ApiKeyRecord {
  /** `ak_...`: the public handle for the admin API and audit records. */
  id: string;
  /** Lowercase hex SHA-256 of the key. */
  keyHash: string;
  agentId: string;
  /** Who answers for the key (a person or team); the agent's owner unless named. */
  owner: string;
  /** Within the agent's scopes; empty means none. */
  scopes: readonly string[];
  /** RFC 8707 resources the key may be used for, within the agent's. */
  resources: readonly string[];
  labels: Readonly<Record<string, string>>;
  createdAt: number;
  /** Every key expires; rotation may bring this forward to end the overlap window. */
  expiresAt: number;
  revokedAt: number | null;
  /** The key this one replaced by rotation, if any. */
  replacesId: string | null;
  lastUsedAt: number | null;
  useCount: number;
  /** The most recent distinct source addresses, newest first, bounded by the caller. */
  sourceAddresses: readonly string[];
}

/** What {@link ApiKeyStore.listApiKeys} filters on. */
export interface ApiKeyFilter {
  agentId?: string;
  /** At most this many, oldest first. */
  limit: number;
}

/** Storage of managed API keys, in domain verbs. */
export interface ApiKeyStore {
  /** Stores a new key, and appends `audit` in the same transaction. */
  createApiKey(record: ApiKeyRecord, audit: readonly AuditInput[]): Promise<void>;
  getApiKey(id: string): Promise<ApiKeyRecord | undefined>;
  /** The key with this SHA-256, whatever its state. */
  findApiKeyByHash(keyHash: string): Promise<ApiKeyRecord | undefined>;
  listApiKeys(filter: ApiKeyFilter): Promise<ApiKeyRecord[]>;
  /**
   * Rotation in one transaction: only while `id` is neither revoked nor expired at `now`, brings
   * its expiry forward to `overlapEndsAt` (never later than it was), stores `successor` and
   * appends `audit`. False, with nothing written, when the key was no longer live.
   */
  rotateApiKey(id: string, successor: ApiKeyRecord, overlapEndsAt: number, now: number, audit: readonly AuditInput[]): Promise<boolean>;
  /** Revokes `id` by one conditional write (only if not yet revoked), with `audit`. False when nothing changed. */
  revokeApiKey(id: string, now: number, audit: readonly AuditInput[]): Promise<boolean>;
  /**
   * Counts one use: the count is incremented in the database (concurrent uses are all counted);
   * `sourceAddress` goes to the front of the distinct list, which keeps at most `maxAddresses`.
   */
  recordApiKeyUse(id: string, now: number, sourceAddress: string | null, maxAddresses: number): Promise<void>;
}
