import { Redis } from 'ioredis';
import type { Logger } from 'pino';

/**
 * A Redis connection for a check that Redis only speeds up or shares across nodes, never decides
 * alone: commands fail at once while it is down (no offline queue, no retry) or after
 * `commandTimeoutMs`, and the caller falls back. One warning per outage, not one per command.
 */
export interface OptionalRedis {
  redis: Redis;
  /** True while an outage has been warned about (until Redis is ready again). */
  warned(): boolean;
  /** Resolves true once Redis is ready, false after `timeoutMs`. */
  ready(timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}

export function connectOptionalRedis(options: { url: string; keyPrefix: string; commandTimeoutMs: number; logger: Pick<Logger, 'warn'>; unavailable: string }): OptionalRedis {
  const redis = new Redis(options.url, {
    lazyConnect: false,
    enableOfflineQueue: false,
    commandTimeout: options.commandTimeoutMs,
    maxRetriesPerRequest: 0,
    keyPrefix: options.keyPrefix,
  });
  // ioredis reports connection trouble as events; without a listener they would be thrown.
  let warned = false;
  redis.on('error', (error: Error) => {
    if (!warned) options.logger.warn({ err_message: error.message }, options.unavailable);
    warned = true;
  });
  redis.on('ready', () => {
    warned = false;
  });
  return {
    redis,
    warned: () => warned,
    ready(timeoutMs) {
      if (redis.status === 'ready') return Promise.resolve(true);
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          redis.off('ready', onReady);
          resolve(false);
        }, timeoutMs);
        const onReady = () => {
          clearTimeout(timer);
          resolve(true);
        };
        redis.once('ready', onReady);
      });
    },
    async close() {
      redis.disconnect();
      await Promise.resolve();
    },
  };
}
