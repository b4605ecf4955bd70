import type { Logger } from 'pino';
import { DEFAULT_DPOP_ALGORITHMS } from '@agentauth/resource-server';
import type { Clock } from '../../clock.js';
import type { Config } from '../../config/config.js';
import { ENDPOINT_PATHS } from '../endpoints/server-metadata.js';
import type { ReplayCache } from '../replay-cache.js';
import type { SenderConstraintCheck } from '../sender-constraint.js';
import { DpopNonces, dpopNonceSecret } from './dpop-nonces.js';
import { inProcessReplayGuard, redisReplayGuard } from './dpop-replay-guard.js';
import { dpopSenderConstraint } from './dpop-sender-constraint.js';

export interface DpopSetup {
  /** The token endpoint's sender-constraint step. */
  check: SenderConstraintCheck;
  /** Resolves once the Redis replay check is live (at once without Redis), or false after `timeoutMs`. */
  ready(timeoutMs: number): Promise<boolean>;
  /** Closes the Redis connection, if any. */
  close(): Promise<void>;
}

/**
 * Builds DPoP at the token endpoint from the configuration (RFC 9449 §5, §8): the proof check
 * against `<issuer>/token`, the default algorithms (advertised as
 * `dpop_signing_alg_values_supported`), stateless nonces when `dpopNonce` is `required` (secret
 * configured or derived from the master key), and the replay guard (Redis when `redisUrl` is set).
 */
export function createDpopSetup(deps: {
  config: Pick<Config, 'issuer' | 'dpopNonce' | 'dpopNonceSecret' | 'dpopNonceLifetime' | 'redisUrl'>;
  masterKey: Buffer;
  clock: Clock;
  replayCache: ReplayCache;
  logger: Pick<Logger, 'warn'>;
  /** The check for requests without a proof (e.g. RFC 8705 certificate binding). */
  withoutProof?: SenderConstraintCheck;
}): DpopSetup {
  const { config } = deps;
  const nonces = config.dpopNonce === 'required' ? new DpopNonces(dpopNonceSecret(config.dpopNonceSecret, deps.masterKey), config.dpopNonceLifetime, deps.clock) : undefined;
  const replay = config.redisUrl === undefined ? inProcessReplayGuard(deps.replayCache) : redisReplayGuard(deps.replayCache, config.redisUrl, deps.logger);
  const check = dpopSenderConstraint({
    tokenEndpoint: config.issuer + ENDPOINT_PATHS.token,
    algorithms: DEFAULT_DPOP_ALGORITHMS,
    replay,
    ...(nonces === undefined ? {} : { nonces }),
    ...(deps.withoutProof === undefined ? {} : { withoutProof: deps.withoutProof }),
  });
  return { check, ready: (timeoutMs) => replay.ready(timeoutMs), close: () => replay.close() };
}
