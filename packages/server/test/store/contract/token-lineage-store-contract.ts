import { beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../../src/store/store.js';
import type { ContractStores } from './contract-stores.js';
import { T0, audit, hashRecord, issued, prefix, readChain } from '../fixtures.js';

/** The `TokenLineageStore` contract: tokens exchanged from others (RFC 8693), and revoking them together. */
export function tokenLineageStoreContract(stores: () => ContractStores): void {
  describe('TokenLineageStore', () => {
    let store: Store;
    let other: Store;
    beforeEach(() => {
      ({ store, other } = stores());
    });

    /** Writes the records through the commit log, their only writer. */
    const write = (records: ReturnType<typeof issued>[]) => store.commitUnits([{ claims: [], audit: [], issuedTokens: records, onReplay: [] }], hashRecord);

    it('lists the tokens exchanged from any of the parents given, one generation down, oldest first and bounded', async () => {
      const p = prefix();
      const root = issued(`${p}-user`, `${p}-root`);
      const otherRoot = issued(`${p}-user`, `${p}-root2`);
      const child = (jti: string, parent: string, at: number) => ({ ...issued(`${p}-user`, `${p}-${jti}`), clientId: `${p}-bot`, parentJti: parent, issuedAt: T0 + at });
      const tokens = [root, otherRoot, child('c2', root.jti, 2), child('c1', root.jti, 1), child('c3', otherRoot.jti, 3), child('grandchild', `${p}-c1`, 4)];
      await write(tokens);
      const jtis = (records: { jti: string }[]) => records.map((r) => r.jti);
      expect(jtis(await other.listChildTokens([root.jti], 10))).toEqual([`${p}-c1`, `${p}-c2`]);
      expect(jtis(await store.listChildTokens([root.jti, otherRoot.jti], 10))).toEqual([`${p}-c1`, `${p}-c2`, `${p}-c3`]);
      expect(await store.listChildTokens([root.jti, otherRoot.jti], 2)).toHaveLength(2);
      expect(await store.listChildTokens([`${p}-c2`], 10)).toEqual([]);
      expect(await store.listChildTokens([], 10)).toEqual([]);
    });

    it('lists the live tokens a client obtained by exchange, and no token it obtained otherwise', async () => {
      const p = prefix();
      const now = T0 + 1_000;
      const exchanged = (jti: string, over: Partial<ReturnType<typeof issued>> = {}) => ({ ...issued(`${p}-user`, `${p}-${jti}`), clientId: `${p}-bot`, parentJti: `${p}-root`, ...over });
      await write([
        exchanged('b', { issuedAt: T0 + 2 }),
        exchanged('a', { issuedAt: T0 + 1 }),
        exchanged('expired', { expiresAt: now }),
        // Its own client_credentials token: not obtained by exchange.
        issued(`${p}-bot`, `${p}-own`),
        exchanged('by-other', { clientId: `${p}-other` }),
      ]);
      expect((await other.listTokensExchangedBy(`${p}-bot`, now, 10)).map((t) => t.jti)).toEqual([`${p}-a`, `${p}-b`]);
      expect(await store.listTokensExchangedBy(`${p}-bot`, now, 1)).toHaveLength(1);
    });

    it('revokes tokens together, answering only the jtis this call revoked', async () => {
      const p = prefix();
      const record = (jti: string) => ({ jti: `${p}-${jti}`, agentId: `${p}-user`, revokedAt: T0 + 5, expiresAt: T0 + 300_000 });
      expect(await store.revokeToken(record('before'))).toBe(true);
      expect((await other.revokeTokens([record('before'), record('x'), record('y')])).sort()).toEqual([`${p}-x`, `${p}-y`]);
      expect(await store.revokeTokens([record('x')])).toEqual([]);
      expect(await store.revokeTokens([])).toEqual([]);
      for (const jti of ['before', 'x', 'y']) expect(await store.isTokenRevoked(`${p}-${jti}`)).toBe(true);
    });

    it('writes the records of exactly the tokens it revoked in the same transaction; a refused record revokes none', async () => {
      const p = prefix();
      const record = (jti: string) => ({ jti: `${p}-${jti}`, agentId: `${p}-user`, revokedAt: T0 + 5, expiresAt: T0 + 300_000 });
      const records = (newly: readonly string[]) => newly.map((jti) => audit(`${p}-user`, { event: 'access_token.revoked', details: { jti } }));
      await store.revokeToken(record('before'));
      await other.revokeTokens([record('before'), record('x')], records);
      expect((await readChain(store)).filter((r) => r.agentId === `${p}-user`).map((r) => r.details['jti'])).toEqual([`${p}-x`]);
      await expect(store.revokeTokens([record('y')], () => [audit(`${p}-user`, { event: 'access_token.lost' as never })])).rejects.toThrow(TypeError);
      expect(await other.isTokenRevoked(`${p}-y`)).toBe(false);
    });
  });
}
