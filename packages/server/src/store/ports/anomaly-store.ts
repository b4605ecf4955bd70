import type { AuditInput } from '../records.js';

/**
 * Where an anomaly stands (docs/monitoring.md, "Anomalies"): `open` when detected; `acknowledged`
 * when an operator has seen it and is on it; `resolved` when closed. Only forward:
 * open → acknowledged → resolved, or open → resolved.
 */
export const ANOMALY_STATES = ['open', 'acknowledged', 'resolved'] as const;
export type AnomalyState = (typeof ANOMALY_STATES)[number];

/** One anomaly an agent's behaviour raised, with its evidence in words. All times are ms. */
export interface AnomalyRecord {
  /** `anm_...` */
  id: string;
  agentId: string;
  /** The detector's name (`request_rate`, `new_network`, ...). */
  detector: string;
  severity: 'low' | 'medium' | 'high';
  state: AnomalyState;
  /** One sentence: what was seen against what is usual. */
  evidence: string;
  /** The numbers behind the evidence. Never a secret. */
  details: Record<string, unknown>;
  detectedAt: number;
  /** Who acknowledged it (`user:<id>`, `admin:...`) and when. */
  acknowledgedBy: string | null;
  acknowledgedAt: number | null;
  resolvedBy: string | null;
  resolvedAt: number | null;
  /** The operator's last note (acknowledging or resolving). */
  note: string | null;
}

/** A change of state an operator asks for. */
export interface AnomalyTransition {
  to: 'acknowledged' | 'resolved';
  by: string;
  at: number;
  note: string | null;
}

/** `listAnomalies` filters; newest first. */
export interface AnomalyFilter {
  agentId?: string;
  states?: readonly AnomalyState[];
  limit: number;
  /** Only anomalies detected before this one (the cursor: its id). */
  before?: string;
}

/**
 * Anomalies. Creation and every change of state append their audit records in the same
 * transaction; a change of state is one conditional write that happens only from a state it may
 * leave (acknowledging an open anomaly, resolving an open or acknowledged one).
 */
export interface AnomalyStore {
  createAnomaly(record: AnomalyRecord, audit: readonly AuditInput[]): Promise<void>;
  getAnomaly(id: string): Promise<AnomalyRecord | undefined>;
  listAnomalies(filter: AnomalyFilter): Promise<AnomalyRecord[]>;
  /** Moves an anomaly forward; the updated record, or undefined when it is not in a state it may leave so. */
  transitionAnomaly(id: string, change: AnomalyTransition, audit: (updated: AnomalyRecord) => readonly AuditInput[]): Promise<AnomalyRecord | undefined>;
}
