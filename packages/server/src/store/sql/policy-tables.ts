/** The policy tables (migration 0015-policies), part of the shared `Database` type. */
export interface PolicyTables {
  policy_sets: PolicySetsTable;
}

/** One applied version of the policy set (`PolicySetRecord`). */
export interface PolicySetsTable {
  version: number;
  created_at: number;
  created_by: string;
  comment: string;
  /** JSON array of `{ id, description, text }`. */
  policies: string;
  /** JSON array of Cedar entities. */
  entities: string;
}
