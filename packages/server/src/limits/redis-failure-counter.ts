import type { Logger } from 'pino';
import { connectOptionalRedis } from '../optional-redis.js';
import type { FailureCounter } from './failure-counter.js';

/**
 * One round trip for every key of a failure: INCR, and the window's expiry set when the key is new
 * (or has somehow lost it), so a key can never outlive its window. Returns count and remaining
 * milliseconds per key.
 */
const COUNT_FAILURES = `
local out = {}
for i, key in ipairs(KEYS) do
  local count = redis.call('INCR', key)
  local ttl = redis.call('PTTL', key)
  if ttl < 0 then
    redis.call('PEXPIRE', key, ARGV[1])
    ttl = tonumber(ARGV[1])
  end
  out[2 * i - 1] = count
  out[2 * i] = ttl
end
return out
`;

/**
 * Only failed authentications wait for Redis, so it may take longer than on the hot path (DPoP's
 * 50 ms); past this, a slow Redis is treated as a missing one and the failure is counted in memory.
 */
export const DEFAULT_COMMAND_TIMEOUT_MS = 250;

/** Redis keys of the limits start with this unless told otherwise. */
export const DEFAULT_KEY_PREFIX = 'agentauth:limit:';

interface CountingRedis {
  countFailures(numberOfKeys: number, ...keysThenWindow: (string | number)[]): Promise<number[]>;
}

export interface RedisFailureCounter extends FailureCounter {
  /** Resolves true once Redis is reachable, false after `timeoutMs` (counting falls back meanwhile). */
  ready(timeoutMs: number): Promise<boolean>;
}

/**
 * Failure counts in Redis, shared by every node: one Lua script per failure (atomic `INCR` with
 * `PEXPIRE` on the first), so each count reaches each number exactly once across the cluster and
 * exactly one node sees a key reach its limit. Windows are timed by Redis (`PTTL`), not by the
 * node's clock. When Redis is down `increment` rejects at once (no queue, no retry), when it is
 * slower than the command timeout it rejects then, and the caller counts in memory: a request
 * never fails because of Redis.
 */
export function redisFailureCounter(options: {
  redisUrl: string;
  windowMs: number;
  /** Default `agentauth:limit:`. */
  keyPrefix?: string;
  /** Default {@link DEFAULT_COMMAND_TIMEOUT_MS}. */
  commandTimeoutMs?: number;
  logger: Pick<Logger, 'warn'>;
}): RedisFailureCounter {
  const connection = connectOptionalRedis({
    url: options.redisUrl,
    keyPrefix: options.keyPrefix ?? DEFAULT_KEY_PREFIX,
    commandTimeoutMs: options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS,
    logger: options.logger,
    unavailable: 'redis unavailable for failed-authentication limits; counting in memory',
  });
  const { redis } = connection;
  redis.defineCommand('countFailures', { lua: COUNT_FAILURES });
  const counting = redis as unknown as CountingRedis;
  return {
    async increment(keys, now) {
      if (redis.status !== 'ready') throw new Error(`redis is ${redis.status}`);
      const reply = await counting.countFailures(keys.length, ...keys, options.windowMs);
      return keys.map((_key, i) => ({ count: Number(reply[2 * i]), resetAt: now + Number(reply[2 * i + 1]) }));
    },
    ready: connection.ready,
    close: connection.close,
  };
}
