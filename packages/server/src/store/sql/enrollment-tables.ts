/**
 * The enrolment table (migration `0008-enrollment`), described apart from `database.ts` so the
 * feature owns its schema: queries use `ctx.db.withTables<EnrollmentTables>()`.
 */
export type EnrollmentTables = {
  enrollment_tokens: EnrollmentTokensTable;
};

/** One enrolment token (enrollment-store.ts `EnrollmentTokenRecord`), keyed by its hash. */
export interface EnrollmentTokensTable {
  token_hash: string;
  id: string;
  agent_id: string;
  created_at: number | string;
  expires_at: number | string;
  used_at: number | string | null;
}
