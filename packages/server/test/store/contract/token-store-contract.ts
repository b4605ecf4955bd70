import { beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../../src/store/store.js';
import type { ContractStores } from './contract-stores.js';
import { T0, audit, hashRecord, issued, newAgent, prefix, readChain, tokenUnit } from '../fixtures.js';

/** The `TokenStore` contract: revocations, token state, an agent’s tokens (pruning: `token-store-prune-contract.ts`). */
export function tokenStoreContract(stores: () => ContractStores): void {
  describe('TokenStore', () => {
    let store: Store;
    let other: Store;
    beforeEach(() => {
      ({ store, other } = stores());
    });

    describe('tokens', () => {
      it('revokes a token once, idempotently, and lists revocations from an instant on', async () => {
        const p = prefix();
        const record = { jti: `${p}-j1`, agentId: `${p}-a`, revokedAt: T0 + 100, expiresAt: T0 + 1000 };
        expect(await store.isTokenRevoked(record.jti)).toBe(false);
        expect(await store.revokeToken(record)).toBe(true);
        expect(await other.revokeToken({ ...record, revokedAt: T0 + 999 })).toBe(false);
        expect(await store.isTokenRevoked(record.jti)).toBe(true);
        await store.revokeToken({ ...record, jti: `${p}-j2`, revokedAt: T0 + 200 });
        const since = async (t: number) => (await store.listRevokedTokensSince(t)).filter((r) => r.jti.startsWith(p));
        expect(await since(T0 + 100)).toEqual([record, { ...record, jti: `${p}-j2`, revokedAt: T0 + 200 }]);
        expect((await since(T0 + 101)).map((r) => r.jti)).toEqual([`${p}-j2`]);
        expect(await since(T0 + 201)).toEqual([]);
      });

      it('writes a revocation\u2019s audit records in its transaction; a record that cannot be written revokes nothing', async () => {
        const p = prefix();
        const record = { jti: `${p}-j1`, agentId: `${p}-a`, revokedAt: T0, expiresAt: T0 + 1000 };
        const seen: boolean[] = [];
        const revocation = (fresh: boolean) => {
          seen.push(fresh);
          return [audit(`${p}-a`, { event: 'access_token.revoked', details: { jti: record.jti, fresh } })];
        };
        expect(await store.revokeToken(record, revocation)).toBe(true);
        expect(await other.revokeToken(record, revocation)).toBe(false);
        expect(seen).toEqual([true, false]);
        expect((await readChain(other)).filter((r) => r.details['jti'] === record.jti).map((r) => r.details['fresh'])).toEqual([true, false]);

        const refused = { ...record, jti: `${p}-j2` };
        await expect(store.revokeToken(refused, () => [audit(`${p}-a`, { event: 'access_token.lost' as never })])).rejects.toThrow(TypeError);
        expect(await other.isTokenRevoked(refused.jti)).toBe(false);
      });

      it('reads a token\u2019s record and revocation at once (getTokenState), for issued, revoked and unknown jtis', async () => {
        const p = prefix();
        await store.commitUnits([tokenUnit(p, `${p}-k1`, `${p}-j1`), tokenUnit(p, `${p}-k2`, `${p}-j2`)], hashRecord);
        await store.revokeToken({ jti: `${p}-j2`, agentId: p, revokedAt: T0, expiresAt: T0 + 300_000 });
        await store.revokeToken({ jti: `${p}-gone`, agentId: p, revokedAt: T0, expiresAt: T0 + 300_000 });
        // No agent of that id exists: the record comes without one.
        expect(await store.getTokenState(`${p}-j1`)).toEqual({ issued: issued(p, `${p}-j1`), revoked: false, agent: undefined });
        expect(await store.getTokenState(`${p}-j2`)).toEqual({ issued: issued(p, `${p}-j2`), revoked: true, agent: undefined });
        // Revoked, but its issued record is not kept (pruned): still revoked.
        expect(await store.getTokenState(`${p}-gone`)).toEqual({ issued: undefined, revoked: true, agent: undefined });
        expect(await store.getTokenState(`${p}-never`)).toEqual({ issued: undefined, revoked: false, agent: undefined });
        // A record of an existing agent comes with that agent's standing, exactly as getAgentStanding reads it.
        await store.createAgent(newAgent(`${p}-agent`, { labels: { team: 'x' }, scopes: ['a', 'b'] }), [], T0);
        await store.commitUnits([tokenUnit(`${p}-agent`, `${p}-k3`, `${p}-j3`)], hashRecord);
        expect((await store.getTokenState(`${p}-j3`)).agent).toEqual({ id: `${p}-agent`, status: 'active', revokedBefore: null });
        await store.setAgentStatus(`${p}-agent`, 'suspended', T0 + 5);
        const withAgent = await store.getTokenState(`${p}-j3`);
        expect(withAgent.agent).toEqual({ id: `${p}-agent`, status: 'suspended', revokedBefore: T0 + 5 });
        expect(withAgent.agent).toEqual(await store.getAgentStanding(`${p}-agent`));
        expect(await store.getAgentStanding(`${p}-nobody`)).toBeUndefined();
        expect(withAgent.issued).toEqual(issued(`${p}-agent`, `${p}-j3`));
        // The digest kept at issuance comes back exactly.
        expect((await store.getTokenState(`${p}-j1`)).issued?.tokenDigest).toMatch(/^[A-Za-z0-9_-]{43}$/);
      });

      it('lists an agent\u2019s unexpired tokens, as subject or as client, oldest first, paging at exact boundaries', async () => {
        const p = prefix();
        const now = T0 + 1_000;
        const mine = (jti: string, over: Partial<ReturnType<typeof issued>> = {}) => ({ ...issued(`${p}-a`, `${p}-${jti}`), ...over });
        const tokens = [
          mine('t3', { issuedAt: T0 + 30 }),
          mine('t1', { issuedAt: T0 + 10 }),
          mine('t2b', { issuedAt: T0 + 20 }),
          mine('t2a', { issuedAt: T0 + 20 }),
          // Obtained by the agent on behalf of another subject (RFC 8693), and the reverse.
          mine('x1', { agentId: `${p}-b`, issuedAt: T0 + 40, parentJti: `${p}-t1` }),
          mine('x2', { clientId: `${p}-b`, issuedAt: T0 + 50, parentJti: `${p}-t1` }),
          mine('expired', { issuedAt: T0 + 5, expiresAt: now }),
          { ...issued(`${p}-b`, `${p}-other`), issuedAt: T0 + 15 },
        ];
        await store.commitUnits([{ claims: [], audit: [], issuedTokens: tokens, onReplay: [] }], hashRecord);
        await store.revokeToken({ jti: `${p}-t3`, agentId: `${p}-a`, revokedAt: T0, expiresAt: T0 + 300_000 });
        const all = await store.listAgentTokens(`${p}-a`, now, { limit: 50 });
        expect(all).toEqual({ items: ['t1', 't2a', 't2b', 't3', 'x1', 'x2'].map((jti) => tokens.find((t) => t.jti === `${p}-${jti}`)) });
        const first = await store.listAgentTokens(`${p}-a`, now, { limit: 3 });
        expect(first.items.map((t) => t.jti)).toEqual([`${p}-t1`, `${p}-t2a`, `${p}-t2b`]);
        const second = await other.listAgentTokens(`${p}-a`, now, { limit: 3, after: first.next as string });
        expect(second).toEqual({ items: all.items.slice(3) });
        expect((await store.listAgentTokens(`${p}-nobody`, now, { limit: 5 })).items).toEqual([]);
        for (const forged of ['', 'x', Buffer.from('1.').toString('base64url'), Buffer.from('01.j').toString('base64url')]) {
          await expect(store.listAgentTokens(`${p}-a`, now, { limit: 3, after: forged })).rejects.toBeInstanceOf(RangeError);
        }
      });
    });
  });
}
