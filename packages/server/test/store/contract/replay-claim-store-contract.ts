import { beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../../src/store/store.js';
import type { ContractStores } from './contract-stores.js';
import { T0, hashRecord, prefix } from '../fixtures.js';

/**
 * The `ReplayClaimStore` contract: claims kept outside a group commit (`keepReplayClaims`,
 * `liveReplayClaims`: the DPoP hand-over at shutdown).
 */
export function replayClaimStoreContract(stores: () => ContractStores): void {
  describe('ReplayClaimStore: replay claims kept outside a group commit', () => {
    let store: Store;
    beforeEach(() => {
      ({ store } = stores());
    });

    it('keeps each pair once and lists the live ones of a prefix, by expiry', async () => {
      const p = prefix();
      const now = T0 + 70_000_000;
      await store.keepReplayClaims([
        { key: `${p}:b`, expiresAt: now + 2_000 },
        { key: `${p}:a`, expiresAt: now + 1_000 },
        { key: `${p}:gone`, expiresAt: now },
        { key: `other-${p}:a`, expiresAt: now + 1_000 },
      ]);
      // The same pair again is no error and no second row.
      await store.keepReplayClaims([{ key: `${p}:a`, expiresAt: now + 1_000 }]);
      expect(await store.liveReplayClaims(`${p}:`, now)).toEqual([
        { key: `${p}:a`, expiresAt: now + 1_000 },
        { key: `${p}:b`, expiresAt: now + 2_000 },
      ]);
    });

    it('matches the prefix exactly: case and LIKE wildcards are plain characters', async () => {
      const p = prefix();
      const now = T0 + 71_000_000;
      await store.keepReplayClaims([
        { key: `${p}:x%_`, expiresAt: now + 1 },
        { key: `${p.toUpperCase()}:x%_`, expiresAt: now + 1 },
        { key: `${p}:xy`, expiresAt: now + 1 },
      ]);
      expect((await store.liveReplayClaims(`${p}:x%_`, now)).map((c) => c.key)).toEqual([`${p}:x%_`]);
    });

    it('refuses in a group commit what was kept: a kept claim is a used one', async () => {
      const p = prefix();
      const now = T0 + 72_000_000;
      await store.keepReplayClaims([{ key: `${p}:proof`, expiresAt: now + 1_000 }]);
      const [result] = await store.commitUnits([{ claims: [{ key: `${p}:proof`, expiresAt: now + 1_000 }], audit: [], issuedTokens: [], onReplay: [] }], hashRecord);
      expect(result).toMatchObject({ ok: false, reason: 'replayed' });
    });
  });
}
