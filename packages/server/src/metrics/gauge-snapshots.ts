import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { GaugeSnapshot } from '../store/ports/gauge-store.js';

/** How long one snapshot answers scrapes: several Prometheus servers scraping cost one read. */
export const SNAPSHOT_MAX_AGE_MS = 10_000;
/** How long a scrape waits for a fresh snapshot before it answers with the last one. */
export const SNAPSHOT_WAIT_MS = 2_000;

/**
 * The database counts behind the gauges, read at scrape time and never on a request path: at most
 * one read in flight, its result reused for {@link SNAPSHOT_MAX_AGE_MS}, and a scrape waits for it
 * at most {@link SNAPSHOT_WAIT_MS}, so a slow or absent database slows no scrape for long and fails
 * none (the gauges then show the last snapshot, or nothing before the first one).
 */
export class GaugeSnapshots {
  private last: { at: number; snapshot: GaugeSnapshot } | undefined;
  private reading: Promise<void> | undefined;
  /** Reads that failed (or outlived a scrape's wait and then failed). */
  failures = 0;

  constructor(
    private readonly deps: {
      clock: Clock;
      read: (now: number) => Promise<GaugeSnapshot>;
      logger: Pick<Logger, 'warn'>;
      maxAgeMs?: number;
      waitMs?: number;
    },
  ) {}

  /** The freshest snapshot there is within the wait; undefined only before any read succeeded. */
  async get(): Promise<GaugeSnapshot | undefined> {
    const now = this.deps.clock.now();
    if (this.last !== undefined && now - this.last.at < (this.deps.maxAgeMs ?? SNAPSHOT_MAX_AGE_MS)) return this.last.snapshot;
    this.reading ??= this.read(now);
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.deps.waitMs ?? SNAPSHOT_WAIT_MS);
      timer.unref();
    });
    await Promise.race([this.reading, waited]);
    clearTimeout(timer);
    return this.last?.snapshot;
  }

  private async read(now: number): Promise<void> {
    try {
      this.last = { at: now, snapshot: await this.deps.read(now) };
    } catch (error) {
      this.failures += 1;
      this.deps.logger.warn({ err: error }, 'metrics: reading the gauges from the database failed; the last figures stand');
    } finally {
      this.reading = undefined;
    }
  }
}
