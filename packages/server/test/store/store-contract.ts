import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/store.js';
import { StorageUnavailableError } from '../../src/store/ports/storage-unavailable-error.js';
import { READINESS_PROBE_SETTING } from '../../src/store/sql/storage-health.js';
import { agentStoreContract } from './contract/agent-store-contract.js';
import { agentUsageStoreContract } from './contract/agent-usage-store-contract.js';
import { auditCheckpointStoreContract } from './contract/audit-checkpoint-store-contract.js';
import { auditStoreContract } from './contract/audit-store-contract.js';
import { caStoreContract } from './contract/ca-store-contract.js';
import { commitStoreContract } from './contract/commit-store-contract.js';
import type { ContractStores } from './contract/contract-stores.js';
import { enrollmentStoreContract } from './contract/enrollment-store-contract.js';
import { apiKeyStoreContract } from './contract/api-key-store-contract.js';
import { importedKeyStoreContract } from './contract/imported-key-store-contract.js';
import { keyCutoverStoreContract } from './contract/key-cutover-store-contract.js';
import { federationStoreContract } from './contract/federation-store-contract.js';
import { gaugeStoreContract } from './contract/gauge-store-contract.js';
import { replayClaimStoreContract } from './contract/replay-claim-store-contract.js';
import { settingsStoreContract } from './contract/settings-store-contract.js';
import { signalsStoreContract } from './contract/signals-store-contract.js';
import { signingKeyStoreContract } from './contract/signing-key-store-contract.js';
import { tokenLineageStoreContract } from './contract/token-lineage-store-contract.js';
import { tokenStoreContract } from './contract/token-store-contract.js';
import { tokenStorePruneContract } from './contract/token-store-prune-contract.js';
import { userStoreContract } from './contract/user-store-contract.js';
import { loginProviderStoreContract } from './contract/login-provider-store-contract.js';
import { passkeyStoreContract } from './contract/passkey-store-contract.js';
import { authorizationStoreContract } from './contract/authorization-store-contract.js';
import { delegationStoreContract } from './contract/delegation-store-contract.js';
import { approvalStoreContract } from './contract/approval-store-contract.js';
import { anomalyStoreContract } from './contract/anomaly-store-contract.js';
import { siemCheckpointStoreContract } from './contract/siem-checkpoint-store-contract.js';
import { sealedValueStoreContract } from './contract/sealed-value-store-contract.js';

/**
 * The store contract (ARCHITECTURE.md, Testing): one suite per port (`contract/`), all run
 * against every backend. `open` returns a store over the SAME database each time it is called (a
 * second store races the first); the database starts empty and is shared by every test here, so
 * each test works under its own id prefix.
 */
export function storeContract(open: () => Promise<Store>): void {
  const stores: Partial<ContractStores> = {};
  const opened = (): ContractStores => stores as ContractStores;

  beforeAll(async () => {
    stores.store = await open();
    stores.other = await open();
  });
  afterAll(async () => {
    await stores.other?.close();
    await stores.store?.close();
  });

  agentStoreContract(opened);
  signingKeyStoreContract(opened);
  tokenStoreContract(opened);
  commitStoreContract(opened);
  tokenStorePruneContract(opened);
  replayClaimStoreContract(opened);
  auditStoreContract(opened);
  agentUsageStoreContract(opened);
  auditCheckpointStoreContract(opened);
  settingsStoreContract(opened);
  enrollmentStoreContract(opened);
  apiKeyStoreContract(opened);
  importedKeyStoreContract(opened);
  keyCutoverStoreContract(opened);
  federationStoreContract(opened);
  tokenLineageStoreContract(opened);
  signalsStoreContract(opened);
  caStoreContract(opened);
  userStoreContract(opened);
  loginProviderStoreContract(opened);
  passkeyStoreContract(opened);
  authorizationStoreContract(opened);
  delegationStoreContract(opened);
  approvalStoreContract(opened);
  anomalyStoreContract(opened);
  siemCheckpointStoreContract(opened);
  gaugeStoreContract(opened);
  // Last: it rewrites (unchanged) every sealed value the other suites stored.
  sealedValueStoreContract(opened);

  describe('liveness', () => {
    it('answers ping', async () => {
      await expect(opened().store.ping()).resolves.toBeUndefined();
    });

    it('pings with a read only while writes work: /readyz is public and costs no durable write', async () => {
      await opened().store.ping();
      await opened().store.ping();
      expect(await opened().store.getSetting(READINESS_PROBE_SETTING)).toBeUndefined();
    });

    it('closes idempotently', async () => {
      const extra = await open();
      await extra.close();
      await extra.close();
      await expect(extra.ping()).rejects.toThrow();
    });

    it('answers a call racing its close as storage unavailable (503), never as a fault of ours', async () => {
      const extra = await open();
      await extra.close();
      await expect(extra.ping()).rejects.toBeInstanceOf(StorageUnavailableError);
      await expect(extra.getSetting('anything')).rejects.toBeInstanceOf(StorageUnavailableError);
    });
  });
}
