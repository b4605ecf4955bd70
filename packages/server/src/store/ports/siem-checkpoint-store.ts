/**
 * How far one SIEM sink has exported the audit log (docs/monitoring.md, "SIEM export"): the last
 * record it acknowledged, and the last failure it met. Operational state, not a security change:
 * it is not audited (a record of each export would itself be exported, without end).
 */
export interface SiemCheckpointRecord {
  /** The sink's name: `file`, `syslog` or `webhook`. */
  sink: string;
  /** The seq of the last audit record the sink acknowledged; 0 before the first. */
  seq: number;
  /** When `seq` last moved, ms; null before the first delivery. */
  exportedAt: number | null;
  /** The last failure, a short text without secrets (no URL, no key); null if none yet. */
  lastError: string | null;
  lastErrorAt: number | null;
}

/** The SIEM exporter's checkpoints, one per sink, shared by every node on the database. */
export interface SiemCheckpointStore {
  /** The sink's checkpoint; created at seq 0 by one conditional insert when it has none. */
  openSiemCheckpoint(sink: string): Promise<SiemCheckpointRecord>;
  /**
   * Moves the sink's checkpoint from `fromSeq` to `toSeq` (greater) in one conditional update:
   * false, and nothing written, when it is no longer at `fromSeq` (another node moved it).
   */
  advanceSiemCheckpoint(sink: string, fromSeq: number, toSeq: number, now: number): Promise<boolean>;
  /**
   * Claims the sink for `holder` until `now + leaseMs` in one conditional update: granted when no
   * one holds it, `holder` already does, or the last lease ended by `now`. One exporter at a time
   * sends a sink's records, whichever process or node it runs in.
   */
  claimSiemSink(sink: string, holder: string, now: number, leaseMs: number): Promise<boolean>;
  /** Gives the sink up if `holder` holds it, so another exporter may claim it at once. */
  releaseSiemSink(sink: string, holder: string): Promise<void>;
  /** Records a failed delivery (`error` at most 500 characters, never a secret). */
  recordSiemError(sink: string, error: string, now: number): Promise<void>;
  /** Every sink's checkpoint, by name. */
  listSiemCheckpoints(): Promise<SiemCheckpointRecord[]>;
}
