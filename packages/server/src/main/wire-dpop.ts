import type { Logger } from 'pino';
import { DEFAULT_DPOP_ALGORITHMS } from '@agentauth/resource-server';
import type { Clock } from '../clock.js';
import type { Config } from '../config/config.js';
import type { ReplayClaimStore } from '../store/ports/replay-claim-store.js';
import { ENDPOINT_PATHS } from '../oauth/endpoints/server-metadata.js';
import { ReplayCache } from '../oauth/replay-cache.js';
import type { SenderConstraintCheck } from '../oauth/sender-constraint.js';
import { DpopNonces, dpopNonceSecret } from '../oauth/dpop/dpop-nonces.js';
import { inProcessReplayGuard, redisReplayGuard } from '../oauth/dpop/dpop-replay-guard.js';
import { DPOP_REPLAY_PREFIX, dpopSenderConstraint } from '../oauth/dpop/dpop-sender-constraint.js';
import { dpopSingleUseAuthority } from '../oauth/dpop/dpop-single-use-authority.js';

export interface DpopSetup {
  /** The token endpoint's sender-constraint step. */
  check: SenderConstraintCheck;
  /** Resolves once the Redis replay check is live (at once without Redis), or false after `timeoutMs`. */
  ready(timeoutMs: number): Promise<boolean>;
  /**
   * Where this process is the authority (`dpopSingleUseAuthority`): takes over the live proofs a
   * previous process handed over at its shutdown. Call before serving. Returns how many.
   */
  restore(): Promise<number>;
  /** Forgets proofs whose window has passed (call periodically). */
  evictExpired(now: number): void;
  /**
   * After the last token request: where this process is the authority, hands its live proofs to
   * the database for the next process; then closes the Redis connection, if any.
   */
  close(): Promise<void>;
}

/** Proofs an authoritative process keeps at most: ~1 minute and a half at 11,000 DPoP tokens a second. */
const PROCESS_AUTHORITY_MAX_PROOFS = 1_000_000;

/**
 * Builds DPoP at the token endpoint from the configuration (RFC 9449 §5, §8): the proof check
 * against `<issuer>/token`, the default algorithms (advertised as
 * `dpop_signing_alg_values_supported`), stateless nonces when `dpopNonce` is `required` (secret
 * configured or derived from the master key), the record of used proofs
 * ({@link dpopSingleUseAuthority}) and the replay guard (Redis when `redisUrl` is set).
 */
export function wireDpop(deps: {
  config: Pick<Config, 'issuer' | 'dpopNonce' | 'dpopNonceSecret' | 'dpopNonceLifetime' | 'redisUrl' | 'redisKeyPrefix' | 'databaseUrl' | 'workers'>;
  masterKey: Buffer;
  clock: Clock;
  store: ReplayClaimStore;
  logger: Pick<Logger, 'warn'>;
  /** The check for requests without a proof (e.g. RFC 8705 certificate binding). */
  withoutProof?: SenderConstraintCheck;
}): DpopSetup {
  const { config, clock, store } = deps;
  const authoritative = dpopSingleUseAuthority(config) === 'process';
  const cache = authoritative ? new ReplayCache({ maxEntries: PROCESS_AUTHORITY_MAX_PROOFS, whenFull: 'refuse' }) : new ReplayCache();
  const nonces = config.dpopNonce === 'required' ? new DpopNonces(dpopNonceSecret(config.dpopNonceSecret, deps.masterKey), config.dpopNonceLifetime, clock) : undefined;
  const replay = config.redisUrl === undefined ? inProcessReplayGuard(cache) : redisReplayGuard(cache, config.redisUrl, deps.logger, config.redisKeyPrefix);
  const check = dpopSenderConstraint({
    tokenEndpoint: config.issuer + ENDPOINT_PATHS.token,
    algorithms: DEFAULT_DPOP_ALGORITHMS,
    replay,
    durableClaims: !authoritative,
    ...(nonces === undefined ? {} : { nonces }),
    ...(deps.withoutProof === undefined ? {} : { withoutProof: deps.withoutProof }),
  });

  let closed = false;
  return {
    check,
    ready: (timeoutMs) => replay.ready(timeoutMs),
    async restore() {
      if (!authoritative) return 0;
      const now = clock.now();
      const claims = await store.liveReplayClaims(DPOP_REPLAY_PREFIX, now);
      for (const claim of claims) cache.claim(claim.key, claim.expiresAt, now);
      return claims.length;
    },
    evictExpired: (now) => cache.evictExpired(now),
    async close() {
      if (closed) return;
      closed = true;
      try {
        if (authoritative) {
          const claims = cache.liveClaims(clock.now());
          if (claims.length > 0) await store.keepReplayClaims(claims);
        }
      } catch (error) {
        deps.logger.warn({ err_message: (error as Error).message }, 'handing over live DPoP proofs at shutdown failed; the next process starts without them');
      } finally {
        await replay.close();
      }
    },
  };
}
