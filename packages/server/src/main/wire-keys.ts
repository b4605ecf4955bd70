import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Config } from '../config/config.js';
import type { FanOut } from '../fan-out/redis-fan-out.js';
import { createSigningKeyRing, type RotatingSigningKeyRing } from '../keys/key-ring.js';
import { startKeyRotation } from '../keys/start-key-rotation.js';
import type { Store } from '../store/store.js';
import type { Lifecycle } from './lifecycle.js';

/** How often each node applies due rotations and learns of other nodes' (ms); with Redis, other nodes' come at once through the fan-out. */
const KEY_SYNC_MS = 10_000;

/**
 * The token signing keys (docs/operations.md, "Signing keys"): loaded, or generated at the first
 * start; rotated on their schedule by whichever node gets there first, each change audited in the
 * same transaction as the change itself. A change this node commits is announced on `fanOut`;
 * `poll: false` (tests only) leaves other nodes' changes to the fan-out alone.
 */
export async function wireKeys(deps: { config: Config; clock: Clock; logger: Logger; store: Store; masterKey: Buffer; fanOut: FanOut; poll: boolean; lifecycle: Lifecycle }): Promise<RotatingSigningKeyRing> {
  const { config, clock, logger } = deps;
  const keys = createSigningKeyRing({
    store: deps.store,
    masterKey: deps.masterKey,
    clock,
    alg: config.signingAlg,
    rotationInterval: config.keyRotationInterval,
    accessTokenTtl: config.accessTokenTtl,
    logger,
    onChanged: () => deps.fanOut.publish({ kind: 'signing_keys_changed' }),
  });
  logger.info('loading the signing keys (the first start generates them)');
  await keys.sync();
  if (deps.poll) deps.lifecycle.onClose('key rotation', startKeyRotation(keys, KEY_SYNC_MS, (error) => logger.error({ err: error }, 'signing key sync failed')));
  return keys;
}
