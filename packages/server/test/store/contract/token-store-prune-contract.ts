import { beforeEach, describe, expect, it } from 'vitest';
import { PRUNE_CHUNK } from '../../../src/store/sql/token-queries.js';
import type { Store } from '../../../src/store/store.js';
import type { ContractStores } from './contract-stores.js';
import { T0, hashRecord, issued, prefix, signingKey } from '../fixtures.js';

/** The `TokenStore` contract, pruning (`pruneExpired`). */
export function tokenStorePruneContract(stores: () => ContractStores): void {
  describe('TokenStore pruning', () => {
    let store: Store;
    beforeEach(() => {
      ({ store } = stores());
    });

    it('prunes what expired before now, and nothing that is still live', async () => {
      const p = prefix();
      const now = T0 + 50_000_000;
      await store.commitUnits(
        [
          { claims: [{ key: `${p}-old`, expiresAt: now - 1 }], audit: [], issuedTokens: [issued(p, `${p}-old`, now - 1)], onReplay: [] },
          { claims: [{ key: `${p}-live`, expiresAt: now }], audit: [], issuedTokens: [issued(p, `${p}-live`, now)], onReplay: [] },
        ],
        hashRecord,
      );
      await store.revokeToken({ jti: `${p}-old`, agentId: p, revokedAt: T0, expiresAt: now - 1 });
      await store.revokeToken({ jti: `${p}-live`, agentId: p, revokedAt: T0, expiresAt: now });
      await store.mutateSigningKeys(T0, () => ({ insert: [signingKey(`${p}-key`, { expiresAt: now - 1 })], update: [], remove: [], audit: [] }));
      expect(await store.pruneExpired(now)).toBeGreaterThanOrEqual(4);
      expect(await store.pruneExpired(now)).toBe(0);
      expect(await store.getIssuedToken(`${p}-old`)).toBeUndefined();
      expect(await store.getIssuedToken(`${p}-live`)).toEqual(issued(p, `${p}-live`, now));
      expect(await store.isTokenRevoked(`${p}-old`)).toBe(false);
      expect(await store.isTokenRevoked(`${p}-live`)).toBe(true);
      // A pruned claim may be claimed again; a live one may not.
      const again = await store.commitUnits(
        [
          { claims: [{ key: `${p}-old`, expiresAt: now - 1 }], audit: [], issuedTokens: [], onReplay: [] },
          { claims: [{ key: `${p}-live`, expiresAt: now }], audit: [], issuedTokens: [], onReplay: [] },
        ],
        hashRecord,
      );
      expect(again.map((r) => r.ok)).toEqual([true, false]);
    });

    it('prunes more than one chunk at a pass, and every expired row of it', async () => {
      const p = prefix();
      const now = T0 + 60_000_000;
      const count = 2 * PRUNE_CHUNK + 7;
      const units = Array.from({ length: count }, (_, i) => ({
        claims: [{ key: `${p}-c${i}`, expiresAt: now - 1 }],
        audit: [],
        issuedTokens: [issued(p, `${p}-t${i}`, now - 1)],
        onReplay: [],
      }));
      units.push({ claims: [{ key: `${p}-live`, expiresAt: now }], audit: [], issuedTokens: [issued(p, `${p}-live`, now)], onReplay: [] });
      await store.commitUnits(units, hashRecord);
      expect(await store.pruneExpired(now)).toBeGreaterThanOrEqual(2 * count);
      for (const i of [0, PRUNE_CHUNK, count - 1]) expect(await store.getIssuedToken(`${p}-t${i}`)).toBeUndefined();
      expect(await store.getIssuedToken(`${p}-live`)).toBeDefined();
      const reclaimed = await store.commitUnits([{ claims: [{ key: `${p}-c${count - 1}`, expiresAt: now - 1 }], audit: [], issuedTokens: [], onReplay: [] }], hashRecord);
      expect(reclaimed.map((r) => r.ok)).toEqual([true]);
    });

    it('prunes claims chunk by chunk in key order, hundreds sharing one expiry, never a live claim', async () => {
      const p = prefix();
      const now = T0 + 70_000_000;
      // Three expiries straddling the chunk size, then a live claim under the same keys.
      const expiries = [now - 3, now - 2, now - 1];
      const units = expiries.flatMap((expiresAt, e) =>
        Array.from({ length: Math.ceil(PRUNE_CHUNK / 2) + e }, (_, i) => ({ claims: [{ key: `${p}-e${e}-${i}`, expiresAt }], audit: [], issuedTokens: [], onReplay: [] })),
      );
      expect((await store.commitUnits(units, hashRecord)).every((r) => r.ok)).toBe(true);
      const claim = (key: string, expiresAt: number) => store.commitUnits([{ claims: [{ key, expiresAt }], audit: [], issuedTokens: [], onReplay: [] }], hashRecord);
      expect((await claim(`${p}-e0-0`, now)).map((r) => r.ok)).toEqual([true]);
      expect(await store.pruneExpired(now)).toBeGreaterThanOrEqual(units.length);
      for (const [e, expiresAt] of expiries.entries()) expect((await claim(`${p}-e${e}-1`, expiresAt)).map((r) => r.ok)).toEqual([true]);
      expect((await claim(`${p}-e0-0`, now)).map((r) => r.ok)).toEqual([false]);
    });
  });
}
