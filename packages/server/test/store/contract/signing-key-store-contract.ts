import { beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../../src/store/store.js';
import type { ContractStores } from './contract-stores.js';
import { T0, audit, chainDefects, prefix, readChain, signingKey } from '../fixtures.js';

/** The `SigningKeyStore` contract: plans under one lock, live keys only. */
export function signingKeyStoreContract(stores: () => ContractStores): void {
  describe('SigningKeyStore', () => {
    let store: Store;
    let other: Store;
    beforeEach(() => {
      ({ store, other } = stores());
    });

    describe('signing keys', () => {
      const mine = (p: string, keys: { kid: string }[]) => keys.filter((k) => k.kid.startsWith(p)).map((k) => k.kid);

      it('applies a plan and lists only keys not yet expired', async () => {
        const p = prefix();
        const result = await store.mutateSigningKeys(T0, () => ({
          insert: [signingKey(`${p}-1`, { state: 'active', activatedAt: T0 }), signingKey(`${p}-2`, { expiresAt: T0 + 1000 }), signingKey(`${p}-3`, { expiresAt: T0 + 10 })],
          update: [],
          remove: [],
          audit: [],
        }));
        expect(mine(p, result)).toEqual([`${p}-1`, `${p}-2`, `${p}-3`]);
        expect(result.find((k) => k.kid === `${p}-1`)).toEqual(signingKey(`${p}-1`, { state: 'active', activatedAt: T0 }));
        expect(mine(p, await other.listSigningKeys(T0 + 10))).toEqual([`${p}-1`, `${p}-2`, `${p}-3`]);
        expect(mine(p, await store.listSigningKeys(T0 + 11))).toEqual([`${p}-1`, `${p}-2`]);

        const retired = signingKey(`${p}-1`, { state: 'old', activatedAt: T0, retiredAt: T0 + 20, expiresAt: T0 + 500 });
        const after = await store.mutateSigningKeys(T0 + 20, (current) => {
          expect(mine(p, current)).toEqual([`${p}-1`, `${p}-2`]);
          return { insert: [], update: [retired], remove: [`${p}-2`], audit: [] };
        });
        expect(after.filter((k) => k.kid.startsWith(p))).toEqual([retired]);
      });

      it('rolls the whole plan back when it throws or updates a key that is not live', async () => {
        const p = prefix();
        await expect(
          store.mutateSigningKeys(T0, () => {
            throw new Error('plan failed');
          }),
        ).rejects.toThrow('plan failed');
        await expect(store.mutateSigningKeys(T0, () => ({ insert: [signingKey(`${p}-new`)], update: [signingKey(`${p}-ghost`)], remove: [], audit: [] }))).rejects.toThrow(
          'not live',
        );
        expect(mine(p, await store.listSigningKeys(T0))).toEqual([]);
      });

      it('writes the plan\u2019s audit records in its transaction, on the one chain; a record that cannot be written leaves the keys as they were', async () => {
        const p = prefix();
        const created = audit(null, { event: 'signing_key.created', details: { kid: `${p}-1` } });
        await store.mutateSigningKeys(T0, () => ({ insert: [signingKey(`${p}-1`)], update: [], remove: [], audit: [created] }));
        const chain = await readChain(other);
        expect(chainDefects(chain)).toEqual([]);
        expect(chain.filter((r) => r.details['kid'] === `${p}-1`).map((r) => r.event)).toEqual(['signing_key.created']);

        // An audit record the log refuses (here: an event it does not know) fails the whole write.
        const refused = audit(null, { event: 'signing_key.lost' as never, details: { kid: `${p}-2` } });
        const activated = signingKey(`${p}-1`, { state: 'active', activatedAt: T0 + 1 });
        await expect(store.mutateSigningKeys(T0 + 1, () => ({ insert: [signingKey(`${p}-2`)], update: [activated], remove: [], audit: [refused] }))).rejects.toThrow(TypeError);
        expect((await other.listSigningKeys(T0)).filter((k) => k.kid.startsWith(p))).toEqual([signingKey(`${p}-1`)]);
        expect(await readChain(other)).toEqual(chain);
      });

      it('serialises plans from two stores: both see the other, exactly one creates the key', async () => {
        const p = prefix();
        const plan = (current: { kid: string }[]) =>
          mine(p, current).length > 0 ? { insert: [], update: [], remove: [], audit: [] } : { insert: [signingKey(`${p}-${prefix()}`)], update: [], remove: [], audit: [] };
        await Promise.all([0, 1, 2, 3].map((i) => (i % 2 === 0 ? store : other).mutateSigningKeys(T0, plan)));
        expect(mine(p, await store.listSigningKeys(T0))).toHaveLength(1);
      });
    });
  });
}
