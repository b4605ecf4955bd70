import { beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../../src/store/store.js';
import type { ContractStores } from './contract-stores.js';
import { T0, audit, hashRecord, prefix, readChain } from '../fixtures.js';

/** The `AuditStore` contract: filtered pages and ranges of the chain. */
export function auditStoreContract(stores: () => ContractStores): void {
  describe('AuditStore', () => {
    let store: Store;
    beforeEach(() => {
      ({ store } = stores());
    });

    describe('audit queries', () => {
      it('filters by agent, event, outcome and [from, to), paging by seq', async () => {
        const p = prefix();
        const inputs = [
          audit(p, { time: T0 + 1 }),
          audit(p, { time: T0 + 2, event: 'access_token.denied', outcome: 'failure' }),
          audit(p, { time: T0 + 3 }),
          audit(`${p}-other`, { time: T0 + 3 }),
          audit(p, { time: T0 + 4 }),
        ];
        await store.commitUnits([{ claims: [], audit: inputs, issuedTokens: [], onReplay: [] }], hashRecord);
        const times = async (filter: Parameters<Store['queryAudit']>[0]) => (await store.queryAudit(filter, { limit: 10 })).items.map((r) => r.time - T0);
        expect(await times({ agentId: p })).toEqual([1, 2, 3, 4]);
        expect(await times({ agentId: p, outcome: 'failure' })).toEqual([2]);
        expect(await times({ agentId: p, event: 'access_token.issued' })).toEqual([1, 3, 4]);
        expect(await times({ agentId: p, from: T0 + 2, to: T0 + 4 })).toEqual([2, 3]);

        const first = await store.queryAudit({ agentId: p }, { limit: 3 });
        expect(first.items.map((r) => r.time - T0)).toEqual([1, 2, 3]);
        const second = await store.queryAudit({ agentId: p }, { limit: 3, after: first.next });
        expect(second.items.map((r) => r.time - T0)).toEqual([4]);
        expect(second.next).toBeUndefined();
        expect(first.next).toBe(String(first.items[2]?.seq));
        await expect(store.queryAudit({}, { limit: 3, after: '-1' })).rejects.toBeInstanceOf(RangeError);
        await expect(store.queryAudit({}, { limit: 3, after: '1e3' })).rejects.toBeInstanceOf(RangeError);
      });

      it('reads a range of the chain from a seq, in order and bounded', async () => {
        const chain = await readChain(store);
        expect(chain.length).toBeGreaterThan(3);
        expect(await store.readAuditRange(2, 2)).toEqual(chain.slice(1, 3));
        expect(await store.readAuditRange(chain.length + 1, 10)).toEqual([]);
        await expect(store.readAuditRange(1, 0)).rejects.toBeInstanceOf(TypeError);
      });
    });
  });
}
