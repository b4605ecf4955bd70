import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { AuditInput } from '../store/records.js';
import type { SignalsStore } from '../store/ports/signals-store.js';

/** How stale `lastSeenAt` may be before a poll writes it again; far below any idle time allowed. */
export const SEEN_RESOLUTION_MS = 60_000;
/** Streams expired per batch of one sweep; a sweep takes batches until none is left. */
const BATCH = 100;
/** The longest wait between sweeps: a stream outlives its idle time by at most about this. */
const MAX_SWEEP_INTERVAL_MS = 10 * 60_000;

export interface IdleStreamExpiryDeps {
  store: Pick<SignalsStore, 'listIdleStreams' | 'expireStream'>;
  clock: Clock;
  logger: Logger;
  /** A poll stream whose receiver has not polled for this long is deleted, ms. */
  idleTtlMs: number;
}

/**
 * Deletes poll streams (RFC 8936) whose receiver has not polled for the idle time, with their
 * queues, and audits each as `ssf_stream.expired`. A receiver that went away for good (a service
 * that restarted without keeping its stream) would otherwise hold one of its 16 streams, and the
 * SETs queued on it, forever. SSF 1.0 §8.1.1 leaves a stream's lifetime to the transmitter. Push
 * streams are not expired: the transmitter reaches them, and their failures are audited.
 */
export class IdleStreamExpiry {
  constructor(private readonly deps: IdleStreamExpiryDeps) {}

  /** One sweep: returns how many streams were expired. */
  async sweep(): Promise<number> {
    const { store, clock, idleTtlMs } = this.deps;
    const now = clock.now();
    const seenBefore = now - idleTtlMs;
    let expired = 0;
    for (;;) {
      const idle = await store.listIdleStreams(seenBefore, BATCH);
      for (const stream of idle) {
        // Conditional: a poll that arrived since the list keeps its stream. The record commits with the delete.
        const record: AuditInput = {
          time: now,
          event: 'ssf_stream.expired',
          outcome: 'success',
          agentId: stream.ownerAgentId,
          actor: 'system',
          sourceIp: null,
          reason: 'idle',
          requestId: null,
          details: { stream_id: stream.streamId, last_seen_at: new Date(stream.lastSeenAt).toISOString(), idle_ttl_seconds: Math.round(idleTtlMs / 1000) },
        };
        if (await store.expireStream(stream.streamId, seenBefore, [record])) expired += 1;
      }
      if (idle.length < BATCH) return expired;
    }
  }

  /** Sweeps on a timer (a quarter of the idle time, at most every 10 minutes); returns how to stop. */
  start(): () => void {
    let running: Promise<unknown> | undefined;
    const timer = setInterval(() => {
      if (running !== undefined) return;
      running = this.sweep()
        .catch((error: unknown) => this.deps.logger.error({ err: error }, 'expiring idle SSF streams failed'))
        .finally(() => (running = undefined));
    }, Math.min(this.deps.idleTtlMs / 4, MAX_SWEEP_INTERVAL_MS));
    timer.unref();
    return () => clearInterval(timer);
  }
}
