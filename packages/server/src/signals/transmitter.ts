import { performance } from 'node:perf_hooks';
import { SSF_VERIFICATION, type PollResponse } from '@agentauth/protocol';
import type { Logger } from 'pino';
import { epochSeconds, type Clock } from '../clock.js';
import type { SigningKeyRing } from '../keys/signing-key-ring.js';
import type { Random } from '../random.js';
import type { PollWaiters } from './poll-waiters.js';
import type { ParsedPollRequest } from './poll-request.js';
import type { RevocationEvent } from '../events/revocation-events.js';
import { revocationSignal, type Signal } from './revocation-signal.js';
import { mintSecurityEventToken } from './security-event-token.js';
import { SEEN_RESOLUTION_MS } from './idle-stream-expiry.js';
import type { QueuedSet, SignalsStore, StreamRecord } from '../store/ports/signals-store.js';

/** How long a long poll is held open when nothing arrives, ms (RFC 8936 §2.4 leaves it to us). */
export const LONG_POLL_TIMEOUT_MS = 30_000;
/**
 * While a long poll waits, how often it looks at the shared queue, ms: SETs queued by another node
 * (or another worker process) are seen within this time; SETs queued on this node wake it at once.
 */
export const LONG_POLL_RECHECK_MS = 500;

export interface TransmitterDeps {
  issuer: string;
  store: SignalsStore;
  keys: Pick<SigningKeyRing, 'signer'>;
  clock: Clock;
  random: Random;
  logger: Logger;
  waiters: PollWaiters;
  /** Told after SETs were queued (to push them at once). */
  onQueued?: (streams: readonly StreamRecord[]) => void;
  longPollTimeoutMs?: number;
}

/**
 * The SSF transmitter's core (SSF 1.0, RFC 8417): turns each revocation into one signed SET per
 * stream that asked for its event type, queued durably in the shared database in one transaction
 * (so any node delivers it and a restart loses nothing); wakes this node's long polls; and
 * answers RFC 8936 polls with acknowledgement.
 */
export class SignalsTransmitter {
  private readonly longPollTimeoutMs: number;
  private closed = false;

  constructor(private readonly deps: TransmitterDeps) {
    this.longPollTimeoutMs = deps.longPollTimeoutMs ?? LONG_POLL_TIMEOUT_MS;
  }

  /** Queues the CAEP event of a revocation on every live stream that delivers its type. */
  async publish(event: RevocationEvent): Promise<void> {
    const signal = revocationSignal(this.deps.issuer, event);
    const streams = (await this.deps.store.listLiveStreams()).filter((stream) => stream.eventsDelivered.includes(signal.eventType));
    await this.queue(signal, streams);
  }

  /** Queues a signal made elsewhere (a key cut-over's notice, a CAEP 1.0 §3.8 risk level change) on every live stream that delivers its type. */
  async publishSignal(signal: Signal): Promise<void> {
    const streams = (await this.deps.store.listLiveStreams()).filter((stream) => stream.eventsDelivered.includes(signal.eventType));
    await this.queue(signal, streams);
  }

  /**
   * Queues an SSF 1.0 §8.1.4.1 verification event on one stream: `sub_id` is an `opaque` subject
   * naming the stream, `state` echoes the receiver's value. Sent whatever `events_delivered` says.
   */
  async verify(stream: StreamRecord, state: string | undefined): Promise<void> {
    await this.queue({ eventType: SSF_VERIFICATION, subject: { format: 'opaque', id: stream.streamId }, payload: state === undefined ? {} : { state } }, [stream]);
  }

  private async queue(signal: Signal, streams: readonly StreamRecord[]): Promise<void> {
    if (streams.length === 0) return;
    const { clock, random, keys, issuer } = this.deps;
    const now = clock.now();
    const iat = epochSeconds(clock);
    // RFC 8417 §2.2 `txn`: the SETs of one occurrence, one per stream, share it.
    const txn = random.token(16);
    const signer = keys.signer();
    const sets: QueuedSet[] = streams.map((stream) => {
      const jti = random.token(16);
      const setJwt = mintSecurityEventToken(signer, {
        iss: issuer,
        iat,
        jti,
        aud: stream.aud.length === 1 ? (stream.aud[0] as string) : [...stream.aud],
        txn,
        sub_id: signal.subject,
        events: { [signal.eventType]: signal.payload },
      });
      return { jti, streamId: stream.streamId, eventType: signal.eventType, setJwt, createdAt: now, attempts: 0, nextAttemptAt: now };
    });
    await this.deps.store.enqueueSets(sets);
    this.deps.waiters.notify(streams.map((s) => s.streamId));
    this.deps.onQueued?.(streams);
  }

  /**
   * Answers one RFC 8936 poll on an authorized stream: removes what the request acknowledged
   * (`ack`, and `setErrs`, which are logged: §2.4.4), then returns up to `maxEvents` queued SETs,
   * oldest first, with `moreAvailable`. With `returnImmediately: false` (the default) and nothing
   * queued, the request is held until a SET is queued, the timeout passes, or `abort` fires
   * (§2.4, long polling). A paused stream returns nothing but keeps its queue (SSF 1.0 §8.1.2).
   * SETs not acknowledged are delivered again by the next poll: nothing is lost before an ack.
   *
   * The long-poll deadline is measured on the monotonic clock, not the injected `Clock`: it bounds
   * how long a socket stays open, which tests must not be able to freeze.
   */
  async poll(streamId: string, request: ParsedPollRequest, abort?: AbortSignal): Promise<PollResponse> {
    const { store, waiters, logger } = this.deps;
    // The receiver is alive: its stream is not idle (idle-stream-expiry.ts).
    await store.markStreamSeen(streamId, this.deps.clock.now(), SEEN_RESOLUTION_MS);
    const acknowledged = [...request.ack, ...request.setErrs.map((e) => e.jti)];
    if (acknowledged.length > 0) await store.acknowledgeSets(streamId, acknowledged);
    for (const { jti, err } of request.setErrs) logger.warn({ stream_id: streamId, jti, err }, 'receiver reported a SET error');
    if (request.maxEvents === 0) return { sets: {} };

    const deadline = performance.now() + this.longPollTimeoutMs;
    for (;;) {
      if (this.closed) return { sets: {} };
      const seen = waiters.sequence;
      const stream = await store.getStream(streamId);
      if (stream === undefined) return { sets: {} };
      if (stream.status === 'enabled') {
        const pending = await store.pendingSets(streamId, request.maxEvents + 1);
        if (pending.length > 0 || request.returnImmediately) return response(pending, request.maxEvents);
      } else if (request.returnImmediately) return { sets: {} };
      const remaining = deadline - performance.now();
      if (remaining <= 0 || abort?.aborted === true) return { sets: {} };
      // A SET queued here since `seen` was read: look again at once rather than wait.
      if (waiters.sequence !== seen) continue;
      await waiters.wait(streamId, Math.min(remaining, LONG_POLL_RECHECK_MS), abort);
    }
  }

  /** Marks the transmitter closed: held long polls answer (empty) at their next turn, so shutdown is not held up. */
  close(): void {
    this.closed = true;
  }
}

function response(pending: readonly QueuedSet[], maxEvents: number): PollResponse {
  const sets: Record<string, string> = {};
  for (const set of pending.slice(0, maxEvents)) sets[set.jti] = set.setJwt;
  return { sets, moreAvailable: pending.length > maxEvents };
}
