/**
 * The cut-over tables (migration `0025-key-cutover`), described apart from `database.ts` so the
 * feature owns its schema.
 */
export type KeyCutoverTables = {
  key_cutover_rules: KeyCutoverRulesTable;
  key_cutover_notices: KeyCutoverNoticesTable;
};

/** One rule (key-cutover-store.ts `CutoverRuleRecord`). */
export interface KeyCutoverRulesTable {
  id: string;
  scope: string;
  target: string;
  warn_from: number | string | null;
  block_from: number | string | null;
  link: string | null;
  version: number;
  effective_stage: string;
  updated_at: number | string;
  updated_by: string;
}

/** One notice sent: a key, the rule and its version, the stage. */
export interface KeyCutoverNoticesTable {
  key_id: string;
  rule_id: string;
  rule_version: number;
  stage: string;
  noticed_at: number | string;
}
