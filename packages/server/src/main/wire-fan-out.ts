import type { Logger } from 'pino';
import type { CertificateAuthority } from '../ca/certificate-authority.js';
import type { Config } from '../config/config.js';
import type { RevocationEvents } from '../events/revocation-events.js';
import { pollOnlyFanOut, redisFanOut, type FanOut } from '../fan-out/redis-fan-out.js';
import type { SigningKeyRing } from '../keys/signing-key-ring.js';
import type { ClientDirectory } from '../oauth/client-directory.js';
import type { Lifecycle } from './lifecycle.js';

/** How long a start waits for the fan-out subscription; past it the node serves and polls. */
const SUBSCRIBE_WAIT_MS = 2_000;

/**
 * Cross-node fan-out (docs/operations.md, "Several nodes"): Redis pub/sub on
 * `<redisKeyPrefix>fan-out` when `redisUrl` is set, else nothing (the polls alone). Awaited briefly
 * at start, never required.
 */
export async function wireFanOut(deps: { config: Pick<Config, 'redisUrl' | 'redisKeyPrefix'>; logger: Logger; lifecycle: Lifecycle }): Promise<FanOut> {
  const { config } = deps;
  if (config.redisUrl === undefined) return pollOnlyFanOut;
  const fanOut = redisFanOut({ url: config.redisUrl, channel: `${config.redisKeyPrefix}fan-out`, logger: deps.logger });
  deps.lifecycle.onClose('cross-node fan-out', () => fanOut.close());
  await fanOut.ready(SUBSCRIBE_WAIT_MS);
  return fanOut;
}

/**
 * Who publishes and who applies, for what the parts do not publish themselves. The agent registry
 * (wire-agents.ts), the key ring (wire-keys.ts) and the SET queue (wire-signals.ts) publish their
 * own changes; a revoked certificate is published here from its `certificate_revoked` event.
 *
 * Applying a message only ever reloads from the database (drop an agent from the cache, sync the
 * keys, reload the revoked serials) or wakes long polls that then read the database: a forged
 * message costs a reload, and grants nothing.
 */
export function wireFanOutListeners(deps: {
  fanOut: FanOut;
  events: RevocationEvents;
  logger: Pick<Logger, 'error'>;
  directory: Pick<ClientDirectory, 'invalidate' | 'invalidateAll'>;
  keys: Pick<SigningKeyRing, 'sync'>;
  ca: Pick<CertificateAuthority, 'pollRevocations'>;
  wakeStreams: (streamIds: readonly string[]) => void;
  lifecycle: Lifecycle;
}): void {
  const { fanOut, logger } = deps;
  deps.lifecycle.onClose(
    'publishing revoked certificates (fan-out)',
    deps.events.subscribe((event) => {
      if (event.kind === 'certificate_revoked') fanOut.publish({ kind: 'certificates_revoked' });
    }),
  );
  const reloadKeys = () => void deps.keys.sync().catch((error: unknown) => logger.error({ err: error }, 'reloading the signing keys (fan-out) failed'));
  const reloadSerials = () => void deps.ca.pollRevocations().catch((error: unknown) => logger.error({ err: error }, 'reloading revoked certificates (fan-out) failed'));
  fanOut.listen({
    apply(message) {
      switch (message.kind) {
        case 'agent_changed':
          return deps.directory.invalidate(message.agentId);
        case 'signing_keys_changed':
          return reloadKeys();
        case 'certificates_revoked':
          return reloadSerials();
        case 'sets_queued':
          return deps.wakeStreams(message.streamIds);
      }
    },
    resync() {
      deps.directory.invalidateAll();
      reloadKeys();
      reloadSerials();
    },
  });
}
