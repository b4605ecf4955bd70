import type { Logger } from 'pino';
import { connectOptionalRedis } from '../../optional-redis.js';
import type { ReplayCache } from '../replay-cache.js';

/**
 * The fast checks of a DPoP proof's single use (RFC 9449 §11.1), before any token is minted: the
 * in-process {@link ReplayCache} and, when Redis is configured, a `SET NX` every node sees. Neither
 * is the authority: the proof's claim also goes into the token request's group commit
 * (`SenderConstraint.replayClaims`), a conditional insert that is atomic across processes and
 * nodes. These checks only turn most replays away early, with the right error, for free.
 */
export interface DpopReplayGuard {
  /** Records `key` until `expiresAt` (ms); false if it was already recorded. */
  claim(key: string, expiresAt: number, now: number): Promise<boolean>;
  /**
   * Resolves true once the shared check is live (at once without Redis), false after `timeoutMs`.
   * Until then claims skip Redis (the database claim still refuses replays).
   */
  ready(timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}

/** Redis must answer quickly or be skipped: the database claim stays authoritative either way. */
const REDIS_COMMAND_TIMEOUT_MS = 50;

/** A guard over the process's replay cache only (single node, or no Redis). */
export function inProcessReplayGuard(cache: ReplayCache): DpopReplayGuard {
  return {
    claim: (key, expiresAt, now) => Promise.resolve(cache.claim(key, expiresAt, now)),
    ready: () => Promise.resolve(true),
    close: () => Promise.resolve(),
  };
}

/**
 * The in-process cache first (a replay in this process costs no round trip), then
 * `SET key 1 NX PX ttl` in Redis so a proof replayed on another node is refused before minting.
 * When Redis is down or slow the check is skipped with a warning, not failed: the group commit's
 * claim still refuses the replay, only with a later answer.
 */
export function redisReplayGuard(cache: ReplayCache, redisUrl: string, logger: Pick<Logger, 'warn'>, keyPrefix = 'agentauth:'): DpopReplayGuard {
  const connection = connectOptionalRedis({
    url: redisUrl,
    keyPrefix: `${keyPrefix}replay:`,
    commandTimeoutMs: REDIS_COMMAND_TIMEOUT_MS,
    logger,
    unavailable: 'redis unavailable for DPoP replay checks; relying on the database',
  });
  return {
    async claim(key, expiresAt, now) {
      if (!cache.claim(key, expiresAt, now)) return false;
      const ttl = Math.max(1, Math.ceil(expiresAt - now));
      try {
        return (await connection.redis.set(key, '1', 'PX', ttl, 'NX')) === 'OK';
      } catch (error) {
        if (!connection.warned()) logger.warn({ err_message: (error as Error).message }, 'redis DPoP replay check skipped');
        return true;
      }
    },
    ready: connection.ready,
    close: connection.close,
  };
}
