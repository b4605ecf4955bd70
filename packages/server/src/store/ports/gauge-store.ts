/**
 * What the metrics endpoint shows as gauges, counted in the database so that every node reports
 * the deployment's figures, not its own (docs/monitoring.md). Read at a scrape, never on a request
 * path; each count is one aggregate query, bounded whatever the table sizes.
 */
export interface GaugeSnapshot {
  /** Agents by `status` (`active`, `suspended`, `disabled`, ...). */
  agentsByStatus: Record<string, number>;
  /** Shared Signals streams by `status` (`enabled`, `paused`, `disabled`). */
  streamsByStatus: Record<string, number>;
  /** Security Event Tokens queued and not yet acknowledged or delivered, on every stream. */
  queuedSets: number;
  /** When the oldest of them was queued (ms), null when none is. */
  oldestQueuedAt: number | null;
  /** The oldest `thisUpdate` (ms) among the current CRLs of the CAs not yet expired at `now`; null without one. */
  oldestCrlThisUpdate: number | null;
}

/** The counts behind the metrics endpoint's gauges. */
export interface GaugeStore {
  /** One snapshot of the counts at `now` (ms). */
  gaugeSnapshot(now: number): Promise<GaugeSnapshot>;
}

/** A PostgreSQL connection pool at one moment (node-postgres `Pool` counters). */
export interface PoolStats {
  /** The most connections the pool opens. */
  max: number;
  /** Connections open, idle or checked out. */
  total: number;
  idle: number;
  /** Queries waiting for a connection. */
  waiting: number;
  /** Connections that failed while open, since the pool opened (each was dropped and replaced). */
  lost: number;
}

/** How the store's connection to its database fares (docs/monitoring.md). */
export interface StorageStats {
  /** Store calls that failed because storage was unavailable, since the store opened. */
  failures: number;
  /** The PostgreSQL pool; null on SQLite, which has no pool. */
  pool: PoolStats | null;
}
