import type { Logger } from 'pino';
import type { ObservedRecord } from './anomaly-finding.js';

/** Records waiting for the detectors at most, by default: past it they are dropped and counted. */
export const DEFAULT_QUEUE_LIMIT = 10_000;
/** Records handled per turn of the event loop, so detection never holds up requests. */
const SLICE = 500;

/**
 * The bounded queue between the commit log and the detectors (docs/monitoring.md, "Anomalies"):
 * `offer` only enqueues, after the records' batch is durable and answered, so detection never
 * slows or fails issuance. When the queue is full a record is dropped and counted (`dropped`),
 * with one warning per second at most. The queue is drained in slices on `setImmediate`.
 */
export class AnomalyFeed {
  readonly #queue: ObservedRecord[] = [];
  readonly #limit: number;
  readonly #handle: (record: ObservedRecord) => Promise<void> | void;
  readonly #logger: Pick<Logger, 'warn' | 'error'>;
  #scheduled: NodeJS.Immediate | undefined;
  #running: Promise<void> | undefined;
  #lastWarning = 0;
  #closed = false;
  #paused = false;
  /** Records dropped because the queue was full, since the start. */
  dropped = 0;

  constructor(handle: (record: ObservedRecord) => Promise<void> | void, logger: Pick<Logger, 'warn' | 'error'>, limit = DEFAULT_QUEUE_LIMIT) {
    this.#handle = handle;
    this.#logger = logger;
    this.#limit = limit;
  }

  /** Enqueues the records of agents; never throws, never waits. */
  offer(records: readonly ObservedRecord[]): void {
    if (this.#closed) return;
    for (const record of records) {
      if (record.agentId === null) continue;
      if (this.#queue.length >= this.#limit) {
        this.dropped += 1;
        const now = Date.now();
        if (now - this.#lastWarning >= 1000) {
          this.#lastWarning = now;
          this.#logger.warn({ dropped: this.dropped }, 'anomaly detection queue full: audit records dropped from detection');
        }
        continue;
      }
      this.#queue.push(record);
    }
    this.#schedule();
  }

  /** Holds the queue (it still fills, bounded) until `resume`. */
  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    this.#paused = false;
    this.#schedule();
  }

  /** Resolves once every record queued so far has been handled (tests, shutdown). */
  async idle(): Promise<void> {
    while (!this.#paused && (this.#queue.length > 0 || this.#running !== undefined || this.#scheduled !== undefined)) {
      if (this.#running !== undefined) await this.#running;
      else await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  /** Stops taking records and handles what is queued. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.idle();
  }

  #schedule(): void {
    if (this.#paused || this.#scheduled !== undefined || this.#running !== undefined || this.#queue.length === 0) return;
    this.#scheduled = setImmediate(() => {
      this.#scheduled = undefined;
      this.#running = this.#drain().finally(() => {
        this.#running = undefined;
        this.#schedule();
      });
    });
  }

  async #drain(): Promise<void> {
    for (const record of this.#queue.splice(0, SLICE)) {
      try {
        await this.#handle(record);
      } catch (error) {
        this.#logger.error({ err: error }, 'anomaly detection failed on a record');
      }
    }
  }
}
