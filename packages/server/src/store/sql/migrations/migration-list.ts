import type { Migration, MigrationProvider } from 'kysely';
import * as m0001 from './0001-initial.js';
import * as m0002 from './0002-ca.js';
import * as m0007 from './0007-mtls.js';
import * as m0003 from './0003-signals.js';
import * as m0004 from './0004-token-exchange.js';
import * as m0005 from './0005-federation.js';
import * as m0006 from './0006-dpop.js';
import * as m0008 from './0008-enrollment.js';
import * as m0009 from './0009-ca-revocations.js';
import * as m0010 from './0010-issued-token-digest.js';
import * as m0011 from './0011-replay-claim-expiry-key.js';
import * as m0012 from './0012-signing-key-slots.js';
import * as m0013 from './0013-audit-checkpoints.js';
import * as m0014 from './0014-ssf-stream-last-seen.js';
import * as m0015 from './0015-policies.js';
import * as m0016 from './0016-audit-agent-event-time.js';
import * as m0017 from './0017-people.js';
import * as m0018 from './0018-login-providers.js';
import * as m0019 from './0019-authorization-code.js';
import * as m0020 from './0020-approvals.js';
import * as m0021 from './0021-api-keys.js';
import * as m0022 from './0022-delegations.js';
import * as m0024 from './0024-imported-keys.js';
import * as m0025 from './0025-key-cutover.js';
import * as m0026 from './0026-anomalies.js';
import * as m0027 from './0027-siem-checkpoints.js';
import * as m0028 from './0028-agent-redirect-uris.js';
import * as m0030 from './0030-passkeys.js';

/**
 * Every migration, by name, in order. A static object rather than a folder scan, so the same code
 * works from `src/` under vitest and from `dist/` in a published build.
 */
export const migrations: Readonly<Record<string, Migration>> = Object.freeze({
  '0001-initial': m0001,
  '0002-ca': m0002,
  '0007-mtls': m0007,
  '0003-signals': m0003,
  '0004-token-exchange': m0004,
  '0005-federation': m0005,
  '0006-dpop': m0006,
  '0008-enrollment': m0008,
  '0009-ca-revocations': m0009,
  '0010-issued-token-digest': m0010,
  '0011-replay-claim-expiry-key': m0011,
  '0012-signing-key-slots': m0012,
  '0013-audit-checkpoints': m0013,
  '0014-ssf-stream-last-seen': m0014,
  '0015-policies': m0015,
  '0016-audit-agent-event-time': m0016,
  '0017-people': m0017,
  '0018-login-providers': m0018,
  '0019-authorization-code': m0019,
  '0020-approvals': m0020,
  '0021-api-keys': m0021,
  '0022-delegations': m0022,
  '0024-imported-keys': m0024,
  '0025-key-cutover': m0025,
  '0026-anomalies': m0026,
  '0027-siem-checkpoints': m0027,
  '0028-agent-redirect-uris': m0028,
  '0030-passkeys': m0030,
});

/** Kysely's `MigrationProvider` over the static list above. */
export const migrationProvider: MigrationProvider = {
  getMigrations: () => Promise.resolve({ ...migrations }),
};
