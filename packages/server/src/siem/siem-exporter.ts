import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { AuditStore } from '../store/ports/audit-store.js';
import type { SiemCheckpointStore } from '../store/ports/siem-checkpoint-store.js';
import { toOcsfEvent } from './ocsf-event.js';
import type { SiemSink } from './siem-sink.js';

/** The longest wait between two attempts after failures (ms): retries never stop, they slow down. */
export const MAX_BACKOFF_MS = 300_000;

/**
 * How long a claim on a sink lasts (ms); renewed when half of it is left. An exporter that died
 * without giving its sinks up holds them this long at most.
 */
export const SINK_LEASE_MS = 30_000;

/** The longest `close` waits for a batch in flight (a file on a hung disk never ends). */
const CLOSE_WAIT_MS = 15_000;

/** What {@link SiemExporter} needs. */
export interface SiemExporterDeps {
  sinks: readonly SiemSink[];
  store: Pick<AuditStore, 'readAuditRange'> & SiemCheckpointStore;
  clock: Clock;
  logger: Logger;
  /** This exporter's name in the sinks' claims: unique per process. */
  holder: string;
  /** Most records in one batch. */
  batchSize: number;
  /** Wait between looks once caught up, and the first retry delay (doubled per failure). */
  pollIntervalMs: number;
}

/**
 * Streams the committed audit log to each sink as OCSF events, at least once and in order
 * (docs/monitoring.md, "SIEM export"). Each sink has its own loop and its own checkpoint in the
 * database: read up to a batch of records after the checkpoint, send them, and advance the
 * checkpoint only once the sink acknowledged them; a failure leaves it where it was and the same
 * records are sent again after a backoff (the poll interval, doubled up to
 * {@link MAX_BACKOFF_MS}). It only reads records already committed and nothing waits for it, so
 * a failing or hanging sink never slows or fails a request; it only falls behind (its lag). After
 * a restart each loop resumes from its checkpoint; what a sink acknowledged just before a crash,
 * before the checkpoint moved, is sent again (a receiver de-duplicates on `metadata.uid`).
 * One exporter at a time holds each sink ({@link SINK_LEASE_MS}), so workers and nodes sharing the
 * database never send the same records side by side.
 */
export class SiemExporter {
  readonly #deps: SiemExporterDeps;
  readonly #loops: Promise<void>[] = [];
  readonly #wakers = new Set<() => void>();
  #closed = false;

  constructor(deps: SiemExporterDeps) {
    if (!Number.isSafeInteger(deps.batchSize) || deps.batchSize < 1) throw new TypeError('batchSize must be a positive integer');
    this.#deps = deps;
  }

  /** Starts one loop per sink; returns at once. */
  start(): void {
    for (const sink of this.#deps.sinks) this.#loops.push(this.#run(sink));
  }

  /** Stops the loops (a batch in flight ends first, bounded by its sink's own deadline) and closes the sinks. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const wake of this.#wakers) wake();
    // Closing a sink fails its batch in flight (a syslog socket is destroyed); then the loops end.
    await Promise.all(this.#deps.sinks.map((sink) => sink.close()));
    let timer: NodeJS.Timeout | undefined;
    const ended = await Promise.race([Promise.all(this.#loops).then(() => true), new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), CLOSE_WAIT_MS)))]);
    clearTimeout(timer);
    // A loop still stuck in a send keeps its claim, which lapses by itself.
    if (!ended) return;
    const { store, holder, logger } = this.#deps;
    await Promise.all(
      this.#deps.sinks.map((sink) => store.releaseSiemSink(sink.name, holder).catch((error: unknown) => logger.warn({ err: error, sink: sink.name }, 'giving up a SIEM sink failed; its claim lapses by itself'))),
    );
  }

  async #run(sink: SiemSink): Promise<void> {
    const { store, clock, logger, batchSize, pollIntervalMs } = this.#deps;
    let delay = pollIntervalMs;
    const failed = async (what: string, error: unknown): Promise<void> => {
      const text = error instanceof Error ? error.message : String(error);
      logger.warn({ sink: sink.name, err: error, retryInMs: delay }, `SIEM export to the ${sink.name} sink: ${what} failed; it is tried again`);
      await store.recordSiemError(sink.name, `${what}: ${text}`, clock.now()).catch((storeError: unknown) => logger.error({ err: storeError }, 'recording a SIEM export failure failed'));
      await this.#sleep(delay);
      delay = Math.min(delay * 2, MAX_BACKOFF_MS);
    };

    let position: number | undefined;
    let heldUntil = Number.NEGATIVE_INFINITY;
    while (!this.#closed) {
      try {
        position ??= (await store.openSiemCheckpoint(sink.name)).seq;
        const now = clock.now();
        if (heldUntil - now < SINK_LEASE_MS / 2) {
          const taking = heldUntil === Number.NEGATIVE_INFINITY;
          if (!(await store.claimSiemSink(sink.name, this.#deps.holder, now, SINK_LEASE_MS))) {
            // Another exporter holds it: its progress is read afresh once this one may take over.
            heldUntil = Number.NEGATIVE_INFINITY;
            position = undefined;
            await this.#sleep(pollIntervalMs);
            continue;
          }
          heldUntil = now + SINK_LEASE_MS;
          // Read after the claim: the previous holder may have moved it until it gave the sink up.
          if (taking) position = (await store.openSiemCheckpoint(sink.name)).seq;
        }
      } catch (error) {
        await failed('reading its checkpoint', error);
        continue;
      }
      let records;
      try {
        records = await store.readAuditRange(position + 1, batchSize);
      } catch (error) {
        await failed('reading the audit log', error);
        continue;
      }
      const last = records.at(-1);
      if (last === undefined) {
        await this.#sleep(pollIntervalMs);
        continue;
      }
      try {
        await sink.send(records.map(toOcsfEvent));
      } catch (error) {
        await failed('delivering a batch', error);
        continue;
      }
      delay = pollIntervalMs;
      try {
        // Another node exporting to the same sink moved it: resume from where it says.
        if (!(await store.advanceSiemCheckpoint(sink.name, position, last.seq, clock.now()))) position = undefined;
        else position = last.seq;
      } catch (error) {
        // Delivered but not recorded: the batch goes again (at least once), never skipped.
        await failed('advancing its checkpoint', error);
      }
    }
  }

  /** Waits `ms`, or less when closed. */
  #sleep(ms: number): Promise<void> {
    if (this.#closed) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.#wakers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      timer.unref();
      this.#wakers.add(wake);
    });
  }
}
