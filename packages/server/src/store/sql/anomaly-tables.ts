/**
 * The anomaly table (migration `0026-anomalies`), described apart from `database.ts` so the
 * feature owns its schema.
 */
export type AnomalyTables = {
  anomalies: AnomaliesTable;
};

/** One anomaly (anomaly-store.ts `AnomalyRecord`); `details` is JSON text (`json.ts`). */
export interface AnomaliesTable {
  id: string;
  agent_id: string;
  detector: string;
  severity: string;
  state: string;
  evidence: string;
  details: string;
  detected_at: number | string;
  acknowledged_by: string | null;
  acknowledged_at: number | string | null;
  resolved_by: string | null;
  resolved_at: number | string | null;
  note: string | null;
}
