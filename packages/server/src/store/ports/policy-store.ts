import type { AuditInput } from '../records.js';

/** One applied version of the policy set: what it holds, who applied it, and when. */
export interface PolicySetRecord {
  version: number;
  createdAt: number;
  /** The admin actor (`bootstrap`, `agent:agt_...`). */
  createdBy: string;
  comment: string;
  policies: { id: string; description: string; text: string }[];
  /** Cedar entity JSON (Resource attributes, Groups). */
  entities: unknown[];
}

/** A version without its content, for history listings. */
export type PolicySetSummary = Omit<PolicySetRecord, 'policies' | 'entities'> & { policyCount: number };

/**
 * The versioned policy set (docs/policy.md). Versions are only ever added: the set in force is the
 * highest version, and every earlier one stays as history.
 */
export interface PolicyStore {
  /** The highest applied version; 0 when none was ever applied (the baseline is in force). */
  currentPolicyVersion(): Promise<number>;
  /** One version (the current one when `version` is omitted); undefined when there is none. */
  getPolicySet(version?: number): Promise<PolicySetRecord | undefined>;
  /** The newest versions first, at most `limit`. */
  listPolicySets(limit: number): Promise<PolicySetSummary[]>;
  /**
   * Adds `record` as the next version and appends `audit` in the same transaction, only if
   * `record.version` is exactly one more than the current version: false when another change won
   * the race (one conditional insert on the version key).
   */
  insertPolicySet(record: PolicySetRecord, audit: readonly AuditInput[]): Promise<boolean>;
}
