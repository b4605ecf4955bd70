import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { connectOptionalRedis } from '../optional-redis.js';
import { decodeFanOut, encodeFanOut, MAX_STREAM_IDS, type FanOutMessage } from './fan-out-message.js';

/** What a node does with what other nodes tell it. */
export interface FanOutListener {
  /** A change another node committed: apply it now (drop a cache entry, reload). */
  apply(message: FanOutMessage): void;
  /**
   * The subscription came back after a break: messages sent meanwhile are lost, so reload
   * everything the messages would have named (the polls would, a little later).
   */
  resync(): void;
}

/**
 * Cross-node notices of committed changes (docs/operations.md, "Several nodes"). A speed-up only:
 * every node still polls the database for the same changes, so a message lost to a Redis outage,
 * a full socket or a node restarting costs the poll interval, never correctness.
 */
export interface FanOut {
  /** Tells the other nodes; never waits and never throws (a failed publish is left to the polls). */
  publish(message: FanOutMessage): void;
  /** Sets who hears other nodes' messages; until then they are dropped (the polls catch up). */
  listen(listener: FanOutListener): void;
  /** Resolves true once this node is subscribed (at once without Redis), false after `timeoutMs`. */
  ready(timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}

/** Without Redis: nothing to tell, nothing to hear; the polls are the only path. */
export const pollOnlyFanOut: FanOut = {
  publish: () => undefined,
  listen: () => undefined,
  ready: () => Promise.resolve(true),
  close: () => Promise.resolve(),
};

/** A publish waits at most this long for Redis before it is dropped. */
const PUBLISH_TIMEOUT_MS = 250;

/**
 * Fan-out over Redis pub/sub on `channel`: one connection publishes (no offline queue: while Redis
 * is down a publish fails at once and is dropped), a dedicated one stays in subscribe mode (a
 * connection that subscribed can run no other command) and resubscribes by itself after a
 * reconnection, which it reports as `resync`. A node ignores its own messages (it applied the
 * change before publishing) and malformed ones.
 */
export function redisFanOut(options: { url: string; channel: string; logger: Pick<Logger, 'warn' | 'info'> }): FanOut {
  const { channel, logger } = options;
  const node = randomBytes(9).toString('base64url');
  const publisher = connectOptionalRedis({
    url: options.url,
    keyPrefix: '',
    commandTimeoutMs: PUBLISH_TIMEOUT_MS,
    logger,
    unavailable: 'redis unavailable for cross-node fan-out; other nodes learn of changes by polling',
  });
  // Default reconnection (with backoff) and an offline queue, so the SUBSCRIBE below waits for
  // Redis, and ioredis subscribes again after every reconnection.
  const subscriber = new Redis(options.url, { lazyConnect: false, maxRetriesPerRequest: null, autoResubscribe: true });
  let listener: FanOutListener | undefined;
  let closed = false;
  let subscribed = false;
  let lost = false;
  let warned = false;
  subscriber.on('error', (error: Error) => {
    if (!warned) logger.warn({ err_message: error.message }, 'redis fan-out subscription lost; relying on polling until it is back');
    warned = true;
  });
  subscriber.on('close', () => {
    if (subscribed) lost = true;
  });
  subscriber.on('ready', () => {
    warned = false;
    if (!lost) return;
    lost = false;
    logger.info('redis fan-out subscription restored; reloading what may have changed meanwhile');
    listener?.resync();
  });
  subscriber.on('message', (from: string, raw: string) => {
    if (from !== channel) return;
    const envelope = decodeFanOut(raw);
    if (envelope === undefined || envelope.from === node) return;
    listener?.apply(envelope.message);
  });
  const subscription = subscriber.subscribe(channel).then(
    () => {
      subscribed = true;
      return true;
    },
    (error: unknown) => {
      if (!closed) logger.warn({ err_message: (error as Error).message }, 'redis fan-out subscription failed; relying on polling');
      return false;
    },
  );

  const send = (message: FanOutMessage) => {
    publisher.redis.publish(channel, encodeFanOut({ from: node, message })).catch(() => {
      // Warned once per outage by the connection; the polls carry the change.
    });
  };
  return {
    publish(message) {
      if (closed) return;
      if (message.kind !== 'sets_queued') return send(message);
      // RFC 8935 push streams and an empty list leave nobody to wake.
      for (let i = 0; i < message.streamIds.length; i += MAX_STREAM_IDS) send({ kind: 'sets_queued', streamIds: message.streamIds.slice(i, i + MAX_STREAM_IDS) });
    },
    listen(next) {
      listener = next;
    },
    ready(timeoutMs) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
      });
      return Promise.race([subscription, timeout]).finally(() => clearTimeout(timer));
    },
    async close() {
      if (closed) return;
      closed = true;
      listener = undefined;
      subscriber.disconnect();
      await publisher.close();
    },
  };
}
