import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Config } from '../config/config.js';
import type { RevocationEvents } from '../events/revocation-events.js';
import { GaugeSnapshots } from '../metrics/gauge-snapshots.js';
import { registerScrapeGauges } from '../metrics/scrape-gauges.js';
import { ServerMetrics } from '../metrics/server-metrics.js';
import type { Store } from '../store/store.js';
import type { Lifecycle } from './lifecycle.js';

/**
 * The server's metrics (docs/monitoring.md), built first so that every part can record into them;
 * undefined when `metrics` is `off`, and then nothing is counted anywhere.
 */
export function createMetrics(config: Pick<Config, 'metrics'>): ServerMetrics | undefined {
  return config.metrics === 'on' ? new ServerMetrics({ processMetrics: true }) : undefined;
}

/**
 * What the metrics hear once the store and the revocation bus exist: the gauges read at scrape
 * time (the database counts, cached; the storage's failures and pool, from memory) and every
 * revocation published on the bus.
 */
export function wireMetricsSources(
  metrics: ServerMetrics | undefined,
  deps: { clock: Clock; logger: Logger; store: Pick<Store, 'gaugeSnapshot' | 'storageStats'>; events: RevocationEvents; lifecycle: Lifecycle },
): void {
  if (metrics === undefined) return;
  const { clock, logger, store } = deps;
  const snapshots = new GaugeSnapshots({ clock, logger, read: (now) => store.gaugeSnapshot(now) });
  registerScrapeGauges(metrics.registry, { clock, snapshots, storage: () => store.storageStats() });
  deps.lifecycle.onClose('metrics: revocations', deps.events.subscribe(metrics.revoked));
}
