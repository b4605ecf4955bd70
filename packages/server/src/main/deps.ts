import type { Logger } from 'pino';
import type { AuditLog } from '../audit/audit-log.js';
import type { CommitLog } from '../audit/commit-log.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config/config.js';
import type { SigningKeyRing } from '../keys/signing-key-ring.js';
import type { Random } from '../random.js';
import type { RevocationEvents } from '../events/revocation-events.js';
import type { Store } from '../store/store.js';

/**
 * Everything the services need, built once by the composition root (`create-server.ts`). There is no DI
 * container: each service takes the slice it needs (`Pick<Deps, ...>`).
 */
export interface Deps {
  readonly config: Config;
  readonly clock: Clock;
  readonly random: Random;
  readonly logger: Logger;
  readonly store: Store;
  readonly keys: SigningKeyRing;
  /** The one durable write: audit records, issued tokens and certificates, single-use claims. */
  readonly commitLog: CommitLog;
  /** The commit log, as the services that only audit take it. */
  readonly audit: AuditLog;
  /** Every revocation path publishes here (Shared Signals, caches). */
  readonly events: RevocationEvents;
}
