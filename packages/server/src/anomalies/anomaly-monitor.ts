import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { AuditStore } from '../store/ports/audit-store.js';
import type { AuditInput } from '../store/records.js';
import { BASELINE_DAYS } from './agent-baseline.js';
import type { AnomalyDetectors } from './anomaly-detectors.js';
import { AnomalyFeed } from './anomaly-feed.js';
import type { ObservedRecord } from './anomaly-finding.js';
import type { AnomalyService } from './anomaly-service.js';
import { DAY_MS } from './rate-buckets.js';

/** The events the detectors read; every other record is dropped before the queue. */
const WATCHED: ReadonlySet<string> = new Set(['access_token.issued', 'access_token.denied', 'client_authentication.failed', 'certificate.issued']);
/** Audit records replayed at start at most: a bound on the start's work, whatever the log holds. */
export const MAX_REPLAY = 5_000_000;
const REPLAY_PAGE = 1000;

/**
 * Anomaly detection as it runs in the server (docs/monitoring.md, "Anomalies"): committed audit
 * records come through the bounded feed to the detectors, and a finding becomes an anomaly.
 *
 * Baselines are rebuilt from the audit log at start, not stored: the log is already the durable,
 * hash-chained account of every request, replaying it gives exactly the state the detectors had
 * (they are deterministic), every node of a cluster rebuilds the same baselines from the shared
 * log, and there is no second copy to keep in step or migrate. The replay reads the last
 * `max(14 days, learning period)` of watched events; an agent whose first record is older than the
 * window is past its learning period when the window is at least that long, so a restart does
 * not restart learning. Live records wait in the feed until the replay is done.
 */
export class AnomalyMonitor {
  readonly #feed: AnomalyFeed;
  #replayed = false;
  /** Resolves when the replay of the log is done (failures are logged: detection starts from what was read). */
  readonly ready: Promise<void>;

  constructor(
    private readonly deps: {
      detectors: AnomalyDetectors;
      service: Pick<AnomalyService, 'raise'>;
      /** A registered agent's labels; undefined for an id that names no agent. */
      labelsOf(agentId: string): Promise<Readonly<Record<string, string>> | undefined>;
      audit: Pick<AuditStore, 'queryAudit'>;
      clock: Clock;
      learningPeriodMs: number;
      queueLimit: number;
      logger: Pick<Logger, 'warn' | 'error' | 'info'>;
    },
  ) {
    this.#feed = new AnomalyFeed((record) => this.#observe(record), deps.logger, deps.queueLimit);
    this.#feed.pause();
    this.ready = this.#replay().finally(() => {
      this.#replayed = true;
      this.#feed.resume();
    });
  }

  /** Records dropped because the queue was full. */
  get dropped(): number {
    return this.#feed.dropped;
  }

  /** The commit log's listener: keeps only watched events of agents, never waits. */
  offer(records: readonly AuditInput[]): void {
    this.#feed.offer(records.filter((r) => r.agentId !== null && WATCHED.has(r.event)));
  }

  /** Resolves when the replay is done and every record offered so far was handled (tests). */
  async idle(): Promise<void> {
    await this.ready;
    await this.#feed.idle();
  }

  async close(): Promise<void> {
    await this.ready.catch(() => undefined);
    await this.#feed.close();
  }

  async #observe(record: ObservedRecord): Promise<void> {
    const labels = await this.deps.labelsOf(record.agentId as string);
    if (labels === undefined) return;
    for (const finding of this.deps.detectors.observe(record, labels, this.#replayed)) await this.deps.service.raise(finding);
  }

  async #replay(): Promise<void> {
    const to = this.deps.clock.now();
    const from = to - Math.max(BASELINE_DAYS * DAY_MS, this.deps.learningPeriodMs);
    let after: string | undefined;
    let read = 0;
    try {
      while (read < MAX_REPLAY) {
        const page = await this.deps.audit.queryAudit({ from, to }, { limit: REPLAY_PAGE, ...(after === undefined ? {} : { after }) });
        for (const record of page.items) {
          if (record.agentId === null || !WATCHED.has(record.event)) continue;
          const labels = await this.deps.labelsOf(record.agentId);
          if (labels !== undefined) this.deps.detectors.observe(record, labels, false);
        }
        read += page.items.length;
        if (page.next === undefined) break;
        after = page.next;
      }
      this.deps.logger.info({ records: read }, 'anomaly baselines rebuilt from the audit log');
    } catch (error) {
      this.deps.logger.error({ err: error }, 'rebuilding anomaly baselines from the audit log failed; detection starts from what was read');
    }
  }
}
