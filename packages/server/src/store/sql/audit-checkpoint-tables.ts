/**
 * The audit checkpoint table (migration `0013-audit-checkpoints`), described apart from
 * `database.ts` so the feature owns its schema.
 */
export type AuditCheckpointTables = {
  audit_checkpoints: AuditCheckpointsTable;
};

/** One signed checkpoint (audit-checkpoint-store.ts `AuditCheckpointRecord`). */
export interface AuditCheckpointsTable {
  checkpoint: number | string;
  seq: number | string;
  hash: string;
  created_at: number | string;
  kid: string;
  jws: string;
}
