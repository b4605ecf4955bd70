import { beforeEach, describe, expect, it } from 'vitest';
import type { AuditInput } from '../../../src/store/records.js';
import type { ResealCounts, SealedValue } from '../../../src/store/ports/sealed-value-store.js';
import type { Store } from '../../../src/store/store.js';
import type { ContractStores } from './contract-stores.js';
import { T0, chainDefects, prefix, readChain, signingKey } from '../fixtures.js';

const rotated = (counts: ResealCounts): AuditInput[] => [
  { time: T0, event: 'master_key.rotated', outcome: 'success', agentId: null, actor: 'system', sourceIp: null, reason: null, requestId: null, details: { resealed: { ...counts } } },
];

/**
 * The `SealedValueStore` contract: every sealed value in one transaction with its audit record, or
 * nothing. The database is shared with every other contract, so values not this test's own are
 * given back unchanged.
 */
export function sealedValueStoreContract(stores: () => ContractStores): void {
  describe('SealedValueStore', () => {
    let store: Store;
    let other: Store;
    beforeEach(() => {
      ({ store, other } = stores());
    });

    async function sealedKeys(p: string): Promise<Record<string, string>> {
      await store.mutateSigningKeys(T0, () => ({ insert: [signingKey(`${p}-1`, { encryptedPrivateKey: 'b2xkLTE' }), signingKey(`${p}-2`, { encryptedPrivateKey: 'b2xkLTI' })], update: [], remove: [], audit: [] }));
      return Object.fromEntries((await other.listSigningKeys(T0)).filter((k) => k.kid.startsWith(p)).map((k) => [k.kid, k.encryptedPrivateKey]));
    }

    it('replaces every sealed value and appends the audit record on the chain, in one transaction', async () => {
      const p = prefix();
      expect(await sealedKeys(p)).toEqual({ [`${p}-1`]: 'b2xkLTE', [`${p}-2`]: 'b2xkLTI' });
      const seen: SealedValue[] = [];
      const counts = await store.resealAll((value) => {
        seen.push(value);
        return value.id.startsWith(p) ? `new-${value.sealed}` : value.sealed;
      }, rotated);
      expect(seen.filter((v) => v.id.startsWith(p))).toEqual([
        { column: 'signing_key', id: `${p}-1`, sealed: 'b2xkLTE' },
        { column: 'signing_key', id: `${p}-2`, sealed: 'b2xkLTI' },
      ]);
      expect(counts.signing_key).toBe(seen.filter((v) => v.column === 'signing_key').length);
      const after = Object.fromEntries((await other.listSigningKeys(T0)).filter((k) => k.kid.startsWith(p)).map((k) => [k.kid, k.encryptedPrivateKey]));
      expect(after).toEqual({ [`${p}-1`]: 'new-b2xkLTE', [`${p}-2`]: 'new-b2xkLTI' });
      const chain = await readChain(other);
      expect(chainDefects(chain)).toEqual([]);
      expect(chain.at(-1)).toMatchObject({ event: 'master_key.rotated', details: { resealed: { ...counts } } });
    });

    it('writes nothing, not even the audit record, when one value cannot be sealed again', async () => {
      const p = prefix();
      await sealedKeys(p);
      const head = (await readChain(other)).length;
      await expect(
        store.resealAll((value) => {
          if (value.id === `${p}-2`) throw new Error('does not open');
          return value.id.startsWith(p) ? 'changed' : value.sealed;
        }, rotated),
      ).rejects.toThrow('does not open');
      const after = Object.fromEntries((await other.listSigningKeys(T0)).filter((k) => k.kid.startsWith(p)).map((k) => [k.kid, k.encryptedPrivateKey]));
      expect(after).toEqual({ [`${p}-1`]: 'b2xkLTE', [`${p}-2`]: 'b2xkLTI' });
      expect((await readChain(other)).length).toBe(head);
    });
  });
}
