import type { AuditInput } from '../records.js';

/** All times are milliseconds since the epoch. */

/** What a cut-over rule names: one key, every key of one agent, or every key used at one resource. */
export type CutoverScope = 'key' | 'agent' | 'resource';

/** Where a key stands in its cut-over, in order: accepted, accepted with a warning, refused. */
export type CutoverStage = 'allow' | 'warn' | 'block';

/**
 * One rule of the staged cut-over of API keys (docs/migration.md, "Cutting keys off"): from
 * `warnFrom` the keys it covers are accepted with a warning, from `blockFrom` refused; neither
 * date means `allow` (which, on a key or an agent, exempts it from a broader rule).
 */
export interface CutoverRuleRecord {
  /** `cr_...`: a public handle, kept across changes of the rule. */
  id: string;
  scope: CutoverScope;
  /** A key id (`ak_...` or `ik_...`), an agent id, or an RFC 8707 resource. */
  target: string;
  warnFrom: number | null;
  blockFrom: number | null;
  /** An https page that tells callers how to move off the key (sent as a `Link`). */
  link: string | null;
  /** 1 when created, one more at each change: a notice is sent once per key per version and stage. */
  version: number;
  /** The stage last recorded as in force, so a date-triggered change is audited once. */
  effectiveStage: CutoverStage;
  updatedAt: number;
  /** The actor of the last change. */
  updatedBy: string;
}

/** The keys, agent and resources a use concerns: the rules that may apply to it. */
export interface CutoverSubject {
  keyId: string;
  agentId: string;
  resources: readonly string[];
}

/** Storage of cut-over rules and of the notices sent under them, in domain verbs. */
export interface KeyCutoverStore {
  /**
   * Creates the rule for (`scope`, `target`) or replaces its dates and link, raising its version
   * and keeping its id; writes `audit(previous, stored)` in the same transaction.
   */
  putCutoverRule(
    rule: Omit<CutoverRuleRecord, 'id' | 'version'> & { id: string },
    audit: (previous: CutoverRuleRecord | undefined, stored: CutoverRuleRecord) => readonly AuditInput[],
  ): Promise<CutoverRuleRecord>;
  /** Removes the rule for (`scope`, `target`) with `audit`; undefined when there was none. */
  clearCutoverRule(scope: CutoverScope, target: string, audit: (removed: CutoverRuleRecord) => readonly AuditInput[]): Promise<CutoverRuleRecord | undefined>;
  /** Every rule, by scope and target; at most `limit`. */
  listCutoverRules(limit: number): Promise<CutoverRuleRecord[]>;
  /** The rules that may apply to a use: of this key, of its agent, or of one of `resources`. */
  cutoverRulesFor(subject: CutoverSubject): Promise<CutoverRuleRecord[]>;
  /**
   * Records that rule `id` at `version` moved from stage `from` to `to`, by one conditional
   * write, with `audit`; false when another node (or request) recorded it first.
   */
  recordCutoverStage(id: string, version: number, from: CutoverStage, to: CutoverStage, audit: readonly AuditInput[]): Promise<boolean>;
  /**
   * Claims the one notice of `keyId` under rule `ruleId` at `ruleVersion` in `stage`, by one
   * insert; false when it was claimed before.
   */
  claimCutoverNotice(notice: { keyId: string; ruleId: string; ruleVersion: number; stage: CutoverStage; at: number }): Promise<boolean>;
}
