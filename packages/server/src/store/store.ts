import type { AgentStore } from './ports/agent-store.js';
import type { AnomalyStore } from './ports/anomaly-store.js';
import type { AgentUsageStore } from './ports/agent-usage-store.js';
import type { AuditCheckpointStore } from './ports/audit-checkpoint-store.js';
import type { AuditStore } from './ports/audit-store.js';
import type { ApprovalStore } from './ports/approval-store.js';
import type { AuthorizationStore } from './ports/authorization-store.js';
import type { CaStore } from './ports/ca-store.js';
import type { CommitStore } from './ports/commit-store.js';
import type { DelegationStore } from './ports/delegation-store.js';
import type { EnrollmentStore } from './ports/enrollment-store.js';
import type { ApiKeyStore } from './ports/api-key-store.js';
import type { FederationStore } from './ports/federation-store.js';
import type { GaugeStore, StorageStats } from './ports/gauge-store.js';
import type { ImportedKeyStore } from './ports/imported-key-store.js';
import type { KeyCutoverStore } from './ports/key-cutover-store.js';
import type { LoginProviderStore } from './ports/login-provider-store.js';
import type { PasskeyStore } from './ports/passkey-store.js';
import type { PolicyStore } from './ports/policy-store.js';
import type { ReplayClaimStore } from './ports/replay-claim-store.js';
import type { SealedValueStore } from './ports/sealed-value-store.js';
import type { SettingsStore } from './ports/settings-store.js';
import type { SiemCheckpointStore } from './ports/siem-checkpoint-store.js';
import type { SignalsStore } from './ports/signals-store.js';
import type { SigningKeyStore } from './ports/signing-key-store.js';
import type { TokenLineageStore } from './ports/token-lineage-store.js';
import type { TokenStore } from './ports/token-store.js';
import type { UserStore } from './ports/user-store.js';

/**
 * Every store port over one database, as `openStore` returns it. Each port is declared in
 * `ports/` with its records and has its own contract suite; their verbs are distinct, so one
 * object carries them all and a service takes only its slice (a port, or `Pick<Store, ...>`).
 */
export interface Store
  extends AgentStore,
    SigningKeyStore,
    TokenStore,
    ReplayClaimStore,
    AuditStore,
    AgentUsageStore,
    AuditCheckpointStore,
    CommitStore,
    SettingsStore,
    EnrollmentStore,
    FederationStore,
    PolicyStore,
    CaStore,
    SignalsStore,
    TokenLineageStore,
    UserStore,
    LoginProviderStore,
    AuthorizationStore,
    ApiKeyStore,
    DelegationStore,
    ImportedKeyStore,
    KeyCutoverStore,
    ApprovalStore,
    PasskeyStore,
    AnomalyStore,
    SiemCheckpointStore,
    GaugeStore,
    SealedValueStore {
  readonly dialect: 'sqlite' | 'postgres';
  /**
   * The readiness probe of `/readyz`: one read, and one small write while the last write failed
   * (`StorageHealth`). Rejects with a `StorageUnavailableError` while the database cannot be
   * reached or written (a full disk included), or when another store call failed that way while
   * the probe ran.
   */
  ping(): Promise<void>;
  /** Storage failures and the PostgreSQL pool, read from memory (the metrics endpoint's gauges). */
  storageStats(): StorageStats;
  /** Closes the database (and the SQLite commit thread, once its batches are done). Idempotent. */
  close(): Promise<void>;
}
