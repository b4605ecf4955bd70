import type { Logger } from 'pino';
import type { AuditInput } from '../store/records.js';
import type { Clock } from '../clock.js';
import type { Random } from '../random.js';
import { postSecurityEventToken, ReceiverUrlError, vetReceiverUrl, type PushOutcome, type Resolver } from './push-request.js';
import type { QueuedSet, SignalsStore, StreamRecord } from '../store/ports/signals-store.js';

/** Retry schedule of push delivery. */
export interface PushRetryPolicy {
  /** Attempts in all, the first included; after the last failure the SET is dropped. */
  maxAttempts: number;
  /** Delay before the first retry, ms; doubled for each further one. */
  baseDelayMs: number;
  /** Ceiling of one delay, ms. */
  maxDelayMs: number;
}

export const DEFAULT_PUSH_RETRY: PushRetryPolicy = Object.freeze({ maxAttempts: 8, baseDelayMs: 1000, maxDelayMs: 5 * 60_000 });

export interface PushDeliveryDeps {
  store: SignalsStore;
  clock: Clock;
  random: Random;
  logger: Logger;
  allowPrivateReceivers: boolean;
  /** The receiver's `authorization_header`, unsealed; null when it gave none. */
  authorizationOf: (stream: StreamRecord) => string | null;
  /** The audit record of a SET dropped after its last attempt, written in the same transaction as the drop. */
  giveUpRecord?: (set: QueuedSet, stream: StreamRecord, error: string) => AuditInput;
  retry?: PushRetryPolicy;
  resolve?: Resolver;
  /** One push's deadline, ms (default 10 s). */
  requestTimeoutMs?: number;
  /** How often every node looks for due SETs in the shared queue, ms (default 1 s). */
  scanIntervalMs?: number;
}

/** SETs looked at per scan. */
const BATCH = 50;

/**
 * RFC 8935 push delivery from the durable queue. Any node may push any stream's SETs: a SET is
 * leased for one attempt with a conditional write (so two nodes never push it at once), and a
 * failure reschedules it with exponential backoff and jitter (`baseDelayMs * 2^attempt`, capped,
 * then a random point in its upper half) until `maxAttempts`, when it is dropped and counted on the
 * stream. The node that queued a SET pushes it at once (`kick`); others find due SETs by scanning.
 *
 * Does NOT keep per-stream order across retries: a SET that failed may be overtaken by a later one.
 */
export class PushDelivery {
  private readonly retry: PushRetryPolicy;
  private running = false;
  private again = false;
  private stopped = false;

  constructor(private readonly deps: PushDeliveryDeps) {
    this.retry = deps.retry ?? DEFAULT_PUSH_RETRY;
  }

  /** Starts the periodic scan; returns the function that stops it. */
  start(): () => void {
    const timer = setInterval(() => this.kick(), this.deps.scanIntervalMs ?? 1000);
    timer.unref();
    return () => {
      this.stopped = true;
      clearInterval(timer);
    };
  }

  /** Runs a delivery pass soon; passes never overlap on one node. */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    void this.drain().finally(() => {
      this.running = false;
    });
  }

  private async drain(): Promise<void> {
    do {
      this.again = false;
      try {
        await this.runOnce();
      } catch (error) {
        this.deps.logger.error({ err: error }, 'push delivery pass failed');
      }
    } while (this.again && !this.stopped);
  }

  /** One pass: every due SET (up to a batch) gets one attempt. Returns how many were attempted. */
  async runOnce(): Promise<number> {
    const { store, clock } = this.deps;
    const due = await store.duePushSets(clock.now(), BATCH);
    const timeoutMs = this.deps.requestTimeoutMs ?? 10_000;
    const streams = new Map<string, StreamRecord | undefined>();
    let attempted = 0;
    for (const set of due) {
      if (this.stopped) break;
      // The lease outlives one attempt, so a node that dies mid-push only delays the SET.
      if (!(await store.leasePushSet(set.jti, clock.now(), clock.now() + timeoutMs * 3))) continue;
      if (!streams.has(set.streamId)) streams.set(set.streamId, await store.getStream(set.streamId));
      const stream = streams.get(set.streamId);
      if (stream === undefined || stream.endpointUrl === null) continue;
      attempted++;
      const outcome = await this.attempt(stream, set, timeoutMs);
      const now = clock.now();
      if (outcome.ok) {
        await store.pushDelivered(set, now);
        continue;
      }
      const attempts = set.attempts + 1;
      const retryAt = outcome.retryable && attempts < this.retry.maxAttempts ? now + this.delay(attempts) : null;
      const givenUp = retryAt === null ? this.deps.giveUpRecord?.(set, stream, outcome.error) : undefined;
      await store.pushFailed(set, now, { error: outcome.error, retryAt }, givenUp === undefined ? [] : [givenUp]);
      this.deps.logger.warn({ stream_id: set.streamId, jti: set.jti, attempts, error: outcome.error, retry_at: retryAt }, 'SET push failed');
    }
    return attempted;
  }

  private async attempt(stream: StreamRecord, set: QueuedSet, timeoutMs: number): Promise<PushOutcome> {
    let target;
    try {
      // Checked again at every attempt: the name may resolve elsewhere than when the stream was made.
      target = await vetReceiverUrl(stream.endpointUrl as string, this.deps.allowPrivateReceivers, this.deps.resolve);
    } catch (error) {
      if (error instanceof ReceiverUrlError) return { ok: false, retryable: true, error: `refused: ${error.message}` };
      throw error;
    }
    return postSecurityEventToken(target, set.setJwt, this.deps.authorizationOf(stream), timeoutMs);
  }

  /** Exponential backoff with "equal jitter": half fixed, half random, so retries spread out. */
  private delay(attempts: number): number {
    const exponential = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (attempts - 1));
    const fraction = Buffer.from(this.deps.random.token(4), 'base64url').readUInt32BE(0) / 2 ** 32;
    return Math.round(exponential / 2 + (fraction * exponential) / 2);
  }
}
