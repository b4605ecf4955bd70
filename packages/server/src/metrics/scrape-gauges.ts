import { STREAM_STATUSES } from '@agentauth/protocol';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Clock } from '../clock.js';
import type { GaugeSnapshot, StorageStats } from '../store/ports/gauge-store.js';
import type { AgentStatus } from '../store/records.js';
import { OTHER } from './bounded-label.js';
import type { GaugeSnapshots } from './gauge-snapshots.js';

const AGENT_STATUSES: readonly AgentStatus[] = ['active', 'suspended', 'disabled'];

/**
 * The gauges computed when Prometheus scrapes, through collect callbacks, so nothing on a request
 * path pays for them: agents by status, Shared Signals streams, queue depth and delivery lag, CRL
 * age (from the cached database snapshot), and the storage's failures and PostgreSQL pool (from
 * memory; the pool's metrics exist only on PostgreSQL).
 */
export function registerScrapeGauges(registry: Registry, deps: { clock: Clock; snapshots: GaugeSnapshots; storage: () => StorageStats }): void {
  const { clock, snapshots, storage } = deps;
  const registers = [registry];

  const fromSnapshot = (spec: { name: string; help: string; labelNames?: string[] }, fill: (gauge: Gauge, snapshot: GaugeSnapshot) => void): void => {
    new Gauge({
      ...spec,
      registers,
      async collect() {
        // A failed read keeps the last figures (and counts in agentauth_metrics_snapshot_failures_total).
        const snapshot = await snapshots.get();
        if (snapshot !== undefined) fill(this, snapshot);
      },
    });
  };

  fromSnapshot({ name: 'agentauth_agents', help: 'Registered agents, by status.', labelNames: ['status'] }, (gauge, snapshot) => setByKnown(gauge, snapshot.agentsByStatus, AGENT_STATUSES));
  fromSnapshot({ name: 'agentauth_ssf_streams', help: 'Shared Signals streams, by status.', labelNames: ['status'] }, (gauge, snapshot) => setByKnown(gauge, snapshot.streamsByStatus, STREAM_STATUSES));
  fromSnapshot({ name: 'agentauth_ssf_queue_depth', help: 'Security Event Tokens queued for receivers (poll and push) and not yet acknowledged or delivered.' }, (gauge, snapshot) => gauge.set(snapshot.queuedSets));
  fromSnapshot({ name: 'agentauth_ssf_delivery_lag_seconds', help: 'Age of the oldest queued Security Event Token; 0 when the queue is empty.' }, (gauge, snapshot) => gauge.set(snapshot.oldestQueuedAt === null ? 0 : secondsSince(snapshot.oldestQueuedAt, clock)));
  fromSnapshot(
    { name: 'agentauth_crl_age_seconds', help: 'Age of the oldest current CRL among the CAs not yet expired (CRLs are reissued every 30 minutes and valid for 60); 0 before the first.' },
    (gauge, snapshot) => gauge.set(snapshot.oldestCrlThisUpdate === null ? 0 : secondsSince(snapshot.oldestCrlThisUpdate, clock)),
  );
  new Counter({
    name: 'agentauth_metrics_snapshot_failures_total',
    help: 'Reads of the gauges from the database that failed (the gauges then show the last figures).',
    registers,
    collect() {
      advance(this, snapshots.failures);
    },
  });
  new Counter({
    name: 'agentauth_db_errors_total',
    help: 'Store calls that failed because the database could not be reached or written.',
    registers,
    collect() {
      advance(this, storage().failures);
    },
  });
  if (storage().pool !== null) registerPoolGauges(registers, storage);
}

function registerPoolGauges(registers: Registry[], storage: () => StorageStats): void {
  new Gauge({
    name: 'agentauth_db_pool_connections',
    help: 'PostgreSQL pool connections, by state (idle, busy).',
    labelNames: ['state'],
    registers,
    collect() {
      const pool = storage().pool;
      if (pool === null) return;
      this.set({ state: 'idle' }, pool.idle);
      this.set({ state: 'busy' }, pool.total - pool.idle);
    },
  });
  new Gauge({
    name: 'agentauth_db_pool_max',
    help: 'The most connections the PostgreSQL pool opens.',
    registers,
    collect() {
      const pool = storage().pool;
      if (pool !== null) this.set(pool.max);
    },
  });
  new Gauge({
    name: 'agentauth_db_pool_waiting',
    help: 'Queries waiting for a PostgreSQL pool connection.',
    registers,
    collect() {
      const pool = storage().pool;
      if (pool !== null) this.set(pool.waiting);
    },
  });
  new Counter({
    name: 'agentauth_db_connections_lost_total',
    help: 'PostgreSQL connections that failed while open (each is dropped and replaced).',
    registers,
    collect() {
      const pool = storage().pool;
      if (pool !== null) advance(this, pool.lost);
    },
  });
}

/** Sets a gauge labelled by `status` afresh from the counts {@link byKnown} shows. */
function setByKnown(gauge: Gauge, counts: Record<string, number>, known: readonly string[]): void {
  gauge.reset();
  for (const [status, count] of Object.entries(byKnown(counts, known))) gauge.set({ status }, count);
}

/** Every known status (0 when absent), and whatever else the database holds summed as `other`. */
function byKnown(counts: Record<string, number>, known: readonly string[]): Record<string, number> {
  const shown: Record<string, number> = {};
  for (const status of known) shown[status] = 0;
  for (const [status, count] of Object.entries(counts)) {
    const label = known.includes(status) ? status : OTHER;
    shown[label] = (shown[label] ?? 0) + count;
  }
  return shown;
}

function secondsSince(ms: number, clock: Clock): number {
  return Math.max(0, (clock.now() - ms) / 1000);
}

/** A running total kept elsewhere (it only grows) shown as a Prometheus counter. */
function advance(counter: Counter, total: number): void {
  counter.reset();
  if (total > 0) counter.inc(total);
}
