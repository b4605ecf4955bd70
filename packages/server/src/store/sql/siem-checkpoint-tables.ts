/**
 * The SIEM exporter's table (migration `0027-siem-checkpoints`), described apart from
 * `database.ts` so the feature owns its schema.
 */
export type SiemCheckpointTables = {
  siem_checkpoints: SiemCheckpointsTable;
};

/** One sink's checkpoint (siem-checkpoint-store.ts `SiemCheckpointRecord`). */
export interface SiemCheckpointsTable {
  sink: string;
  seq: number | string;
  exported_at: number | string | null;
  last_error: string | null;
  last_error_at: number | string | null;
  holder: string | null;
  held_until: number | string | null;
}
