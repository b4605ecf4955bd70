import type { Logger } from 'pino';
import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../clock.js';
import type { FanOut } from '../fan-out/redis-fan-out.js';
import type { SigningKeyRing } from '../keys/signing-key-ring.js';
import type { Random } from '../random.js';
import type { Store } from '../store/store.js';
import type { SsfRoutesOptions } from '../http/ssf-routes.js';
import { authenticateReceiver } from '../signals/authenticate-receiver.js';
import { IdleStreamExpiry } from '../signals/idle-stream-expiry.js';
import { PollWaiters } from '../signals/poll-waiters.js';
import { PushDelivery, type PushRetryPolicy } from '../signals/push-delivery.js';
import type { Resolver } from '../signals/push-request.js';
import type { SignalsStore } from '../store/ports/signals-store.js';
import { StreamAdministration } from '../signals/stream-administration.js';
import { StreamService } from '../signals/stream-service.js';
import { buildTransmitterConfiguration } from '../signals/transmitter-configuration.js';
import { SignalsTransmitter } from '../signals/transmitter.js';
import type { Lifecycle } from './lifecycle.js';

export interface SignalsDeps {
  issuer: string;
  /** Path of our JWKS (the SETs' keys). */
  jwksPath: string;
  allowPrivateReceivers: boolean;
  /** A poll stream not polled for this long is deleted, ms. */
  idleTtlMs: number;
  clock: Clock;
  random: Random;
  logger: Logger;
  store: Pick<Store, 'getTokenState' | 'getAgentStanding'> & SignalsStore;
  keys: Pick<SigningKeyRing, 'signer' | 'publicKey'>;
  audit: AuditLog;
  masterKey: Buffer;
  /** Tells other nodes which streams got SETs, so their long polls wake at once. */
  fanOut: Pick<FanOut, 'publish'>;
  lifecycle: Lifecycle;
  /** Tests only: push schedule and name resolution. */
  pushRetry?: PushRetryPolicy;
  resolve?: Resolver;
}

/** The running transmitter: its HTTP surface and its parts (for tests); the lifecycle stops it. */
export interface Signals {
  routes: SsfRoutesOptions;
  store: SignalsStore;
  transmitter: SignalsTransmitter;
  push: PushDelivery;
  idleStreams: IdleStreamExpiry;
  /** Every receiver's streams, for the admin API. */
  administration: StreamAdministration;
  /** Answers every held long poll (RFC 8936) now: before the listener closes, so none hangs it. */
  wakeLongPolls(): void;
  /** Wakes the long polls held on these streams: another node queued SETs on them. */
  wakeStreams(streamIds: readonly string[]): void;
}

/**
 * The Shared Signals transmitter (SSF 1.0 with CAEP 1.0) over the server's database: streams,
 * polling (RFC 8936) and push delivery (RFC 8935). What it transmits comes from `transmitter`'s
 * `publish`, which the composition root subscribes to every revocation (wire-events.ts): each
 * becomes a SET queued on every stream that asked for its event type.
 */
export function wireSignals(deps: SignalsDeps): Signals {
  const { store } = deps;
  const waiters = new PollWaiters();
  const push = new PushDelivery({
    store,
    clock: deps.clock,
    random: deps.random,
    logger: deps.logger,
    allowPrivateReceivers: deps.allowPrivateReceivers,
    // Called only once deliveries run, after `streams` exists.
    authorizationOf: (stream) => streams.authorizationOf(stream),
    retry: deps.pushRetry,
    resolve: deps.resolve,
    giveUpRecord: (set, stream, error) => ({
      time: deps.clock.now(),
      event: 'security_event.push_failed',
      outcome: 'failure',
      agentId: stream.ownerAgentId,
      actor: 'system',
      sourceIp: null,
      // Bounded, so the drop and its record are never refused for an overlong reason.
      reason: error.slice(0, 200),
      requestId: null,
      details: { stream_id: stream.streamId, jti: set.jti, event_type: set.eventType, attempts: set.attempts + 1 },
    }),
  });
  const transmitter = new SignalsTransmitter({
    issuer: deps.issuer,
    store,
    keys: deps.keys,
    clock: deps.clock,
    random: deps.random,
    logger: deps.logger,
    waiters,
    onQueued: (queuedOn) => {
      deps.fanOut.publish({ kind: 'sets_queued', streamIds: queuedOn.filter((s) => s.deliveryMethod !== 'urn:ietf:rfc:8935').map((s) => s.streamId) });
      if (queuedOn.some((s) => s.deliveryMethod === 'urn:ietf:rfc:8935')) push.kick();
    },
  });
  const streams = new StreamService({
    issuer: deps.issuer,
    store,
    transmitter,
    clock: deps.clock,
    random: deps.random,
    masterKey: deps.masterKey,
    allowPrivateReceivers: deps.allowPrivateReceivers,
    resolve: deps.resolve,
    onDeliverable: (stream) => {
      waiters.notify([stream.streamId]);
      push.kick();
    },
  });

  deps.lifecycle.onClose('Shared Signals transmitter', () => {
    transmitter.close();
    waiters.wakeAll();
  });
  deps.lifecycle.onClose('Shared Signals push delivery', push.start());
  const idleStreams = new IdleStreamExpiry({ store, clock: deps.clock, logger: deps.logger, idleTtlMs: deps.idleTtlMs });
  deps.lifecycle.onClose('Shared Signals idle stream expiry', idleStreams.start());

  return {
    routes: {
      configuration: buildTransmitterConfiguration(deps.issuer, deps.jwksPath),
      authenticate: (authorization) => authenticateReceiver({ issuer: deps.issuer, clock: deps.clock, keys: deps.keys, store: deps.store }, authorization),
      streams,
      transmitter,
      audit: deps.audit,
      clock: deps.clock,
    },
    store,
    transmitter,
    push,
    idleStreams,
    administration: new StreamAdministration({ store, clock: deps.clock }),
    wakeLongPolls: () => waiters.wakeAll(),
    wakeStreams: (streamIds) => waiters.notify(streamIds),
  };
}
