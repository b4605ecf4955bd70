import type { Logger } from 'pino';
import { DEFAULT_DPOP_ALGORITHMS } from '@agentauth/resource-server';
import type { Clock } from '../../clock.js';
import type { Config } from '../../config/config.js';
import type { ReplayClaimStore } from '../../store/ports/replay-claim-store.js';
import { ENDPOINT_PATHS } from '../endpoints/server-metadata.js';
import { ReplayCache } from '../replay-cache.js';
import type { SenderConstraintCheck } from '../sender-constraint.js';
import { DpopNonces, dpopNonceSecret } from './dpop-nonces.js';
import { inProcessReplayGuard, redisReplayGuard } from './dpop-replay-guard.js';
import { DPOP_REPLAY_PREFIX, dpopSenderConstraint } from './dpop-sender-constraint.js';

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

/**
 * Who decides that a DPoP proof is used once (RFC 9449 §11.1) at this server:
 *
 * - `'database'` when another process can issue tokens from the same store — PostgreSQL (several
 *   nodes) or `--workers N` on SQLite: each proof is also claimed in the token's group commit, a
 *   conditional insert every process sees (the in-process cache and Redis only refuse earlier);
 * - `'process'` for one process on SQLite, which sees every token request: its in-process record
 *   of proofs is exact, so it is the authority, and never forgets a live proof (a full record
 *   refuses requests instead). Live proofs are handed over through the database at a clean
 *   shutdown and taken back at start; after a crash the next process starts without them
 *   (docs/oauth.md says what that allows).
 *
 * Why one process writes no durable claim: on SQLite it cost ~17 µs of the commit thread per proof
 * (a page of the replay index written per claim: the proofs of one second scatter over its range),
 * a quarter of what a DPoP-bound token cost over a plain one (bench/README.md), to check nothing
 * the process's own record does not check exactly. Two servers started separately on one SQLite
 * data directory are not a deployment (`--workers N` is): each would decide alone.
 *
 * Client assertions keep their durable claim everywhere: the one gap of a process's own record is
 * a crash, and an assertion replayed after one would buy a token on its own, where a proof buys a
 * token bound to a key the replayer does not hold, and only alongside a client authentication.
 */
export function dpopSingleUseAuthority(config: Pick<Config, 'databaseUrl' | 'workers'>): 'database' | 'process' {
  return config.databaseUrl === undefined && config.workers === 1 ? 'process' : 'database';
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
export function createDpopSetup(deps: {
  config: Pick<Config, 'issuer' | 'dpopNonce' | 'dpopNonceSecret' | 'dpopNonceLifetime' | 'redisUrl' | 'databaseUrl' | 'workers'>;
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
  const replay = config.redisUrl === undefined ? inProcessReplayGuard(cache) : redisReplayGuard(cache, config.redisUrl, deps.logger);
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
