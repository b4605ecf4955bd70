import { beforeEach, describe, expect, it } from 'vitest';
import type { DelegationUse } from '../../../src/store/ports/delegation-store.js';
import type { UserRecord } from '../../../src/store/ports/user-store.js';
import type { Store } from '../../../src/store/store.js';
import type { ContractStores } from './contract-stores.js';
import { T0, audit, hashRecord, issued, newAgent, prefix, readChain } from '../fixtures.js';

function person(id: string): UserRecord {
  return { id, email: `${id.toLowerCase()}@example.com`, name: id, groups: [], roles: [], status: 'active', passwordHash: null, totpSecret: null, totpPending: null, totpLastStep: null, failedLogins: 0, lockedUntil: null, createdAt: T0, updatedAt: T0, lastLoginAt: null };
}

/** The `DelegationStore` contract: agents acting for people, recorded, listed, revoked and resumed with one conditional write each. */
export function delegationStoreContract(stores: () => ContractStores): void {
  describe('DelegationStore', () => {
    let store: Store;
    let other: Store;
    beforeEach(() => {
      ({ store, other } = stores());
    });
    const events = async (p: string) => (await readChain(other)).filter((r) => r.details['id'] === p).map((r) => r.event);
    const record = (p: string) => (kind: 'created' | 'resumed') => [audit(null, { event: kind === 'created' ? 'delegation.created' : 'delegation.resumed', details: { id: p } })];

    async function setUp(p: string): Promise<{ userId: string; agentId: string; use: (over?: Partial<DelegationUse>) => DelegationUse }> {
      const userId = `usr_${p}`;
      const agentId = `agt_${p}`;
      await store.createUser(person(userId), []);
      await store.createAgent(newAgent(agentId), [], T0);
      const use = (over: Partial<DelegationUse> = {}): DelegationUse => ({ userId, agentId, grantId: `agr_${p}`, clientId: `pub_${p}`, grantCreatedAt: T0, scopes: ['orders:read'], resources: ['https://rs.example.com'], at: T0 + 10, ...over });
      return { userId, agentId, use };
    }

    it('creates the pair at its first use, then adds scopes and resources and moves the last use, across stores', async () => {
      const p = prefix();
      const { userId, agentId, use } = await setUp(p);
      expect(await store.getDelegation(userId, agentId)).toBeUndefined();
      const first = await store.recordDelegationUse(use(), record(p));
      expect(first).toEqual({ kind: 'created', record: { userId, agentId, grantId: `agr_${p}`, clientId: `pub_${p}`, scopes: ['orders:read'], resources: ['https://rs.example.com'], firstUsedAt: T0 + 10, lastUsedAt: T0 + 10, revokedAt: null, revokedBefore: null } });
      const second = await other.recordDelegationUse(use({ scopes: ['orders:write', 'orders:read'], resources: ['https://a.example.com'], at: T0 + 20, grantId: `agr_${p}2` }), record(p));
      expect(second.kind).toBe('used');
      expect(await store.getDelegation(userId, agentId)).toMatchObject({ grantId: `agr_${p}2`, scopes: ['orders:read', 'orders:write'], resources: ['https://a.example.com', 'https://rs.example.com'], firstUsedAt: T0 + 10, lastUsedAt: T0 + 20 });
      // Only the creation is audited here; each use has its token's own record.
      expect(await events(p)).toEqual(['delegation.created']);
    });

    it('creates a pair once when two stores record its first use at once, losing no scope', async () => {
      const p = prefix();
      const { userId, agentId, use } = await setUp(p);
      const results = await Promise.all([store.recordDelegationUse(use({ scopes: ['a'] }), record(p)), other.recordDelegationUse(use({ scopes: ['b'] }), record(p))]);
      expect(results.map((r) => r.kind).sort()).toEqual(['created', 'used']);
      expect((await store.getDelegation(userId, agentId))?.scopes).toEqual(['a', 'b']);
      expect(await events(p)).toEqual(['delegation.created']);
    });

    it('lists a person\'s delegations by agent, with their scopes, and none of another person', async () => {
      const p = prefix();
      const { userId, use } = await setUp(p);
      await store.createAgent(newAgent(`agt_${p}b`), [], T0);
      await store.recordDelegationUse(use(), record(p));
      await store.recordDelegationUse(use({ agentId: `agt_${p}b`, scopes: ['x', 'y'] }), record(p));
      const listed = await other.listDelegations(userId, 10);
      expect(listed.map((d) => [d.agentId, d.scopes])).toEqual([
        [`agt_${p}`, ['orders:read']],
        [`agt_${p}b`, ['x', 'y']],
      ]);
      expect(await store.listDelegations(userId, 1)).toHaveLength(1);
      expect(await store.listDelegations(`usr_${p}nobody`, 10)).toEqual([]);
    });

    it('revokes a standing pair once, with its record; refuses its uses until an authorization given after the revocation resumes it', async () => {
      const p = prefix();
      const { userId, agentId, use } = await setUp(p);
      await store.recordDelegationUse(use(), record(p));
      const revoked = [audit(null, { event: 'delegation.revoked', details: { id: p } })];
      const both = await Promise.all([store.revokeDelegation(userId, agentId, T0 + 100, revoked), other.revokeDelegation(userId, agentId, T0 + 100, revoked)]);
      expect(both.sort()).toEqual([false, true]);
      expect(await store.revokeDelegation(userId, `agt_${p}nobody`, T0 + 100, revoked)).toBe(false);
      expect(await other.getDelegation(userId, agentId)).toMatchObject({ revokedAt: T0 + 100, revokedBefore: T0 + 100 });

      // An authorization given before (or at) the revocation changes nothing.
      expect(await store.recordDelegationUse(use({ grantCreatedAt: T0 + 100, at: T0 + 150 }), record(p))).toEqual({ kind: 'revoked' });
      expect((await store.getDelegation(userId, agentId))?.lastUsedAt).toBe(T0 + 10);
      const resumed = await other.recordDelegationUse(use({ grantCreatedAt: T0 + 101, at: T0 + 200, grantId: `agr_${p}new` }), record(p));
      expect(resumed).toMatchObject({ kind: 'resumed', record: { revokedAt: null, revokedBefore: T0 + 100, grantId: `agr_${p}new`, lastUsedAt: T0 + 200 } });
      expect(await events(p)).toEqual(['delegation.created', 'delegation.revoked', 'delegation.resumed']);
    });

    it('lists the live tokens an agent obtained by exchange for a person, and no other', async () => {
      const p = prefix();
      const userId = `usr_${p}`;
      const agentId = `agt_${p}`;
      const now = T0 + 1_000;
      const exchanged = (jti: string, over: Partial<ReturnType<typeof issued>> = {}) => ({ ...issued(userId, `${p}-${jti}`), clientId: agentId, parentJti: `${p}-root`, ...over });
      await store.commitUnits(
        [
          {
            claims: [],
            audit: [],
            issuedTokens: [exchanged('b', { issuedAt: T0 + 2 }), exchanged('a', { issuedAt: T0 + 1 }), exchanged('expired', { expiresAt: now }), exchanged('other-agent', { clientId: `agt_${p}x` }), exchanged('other-person', { agentId: `usr_${p}x` }), issued(agentId, `${p}-own`)],
            onReplay: [],
          },
        ],
        hashRecord,
      );
      expect((await other.listDelegatedTokens(userId, agentId, now, 10)).map((t) => t.jti)).toEqual([`${p}-a`, `${p}-b`]);
      expect(await store.listDelegatedTokens(userId, agentId, now, 1)).toHaveLength(1);
    });

    it('reads what a person\'s token stands on: the person, the authorization and the delegations asked for', async () => {
      const p = prefix();
      const { userId, agentId, use } = await setUp(p);
      await store.registerPublicClient({ clientId: `pub_${p}`, name: 'c', redirectUris: ['http://127.0.0.1/cb'], scopes: [], createdAt: T0 }, []);
      await store.createAuthorizationGrant(
        { id: `agr_${p}`, codeHash: `code-${p}`, codeExpiresAt: T0 + 60_000, codeUsedAt: null, clientId: `pub_${p}`, userId, redirectUri: 'http://127.0.0.1/cb', codeChallenge: 'c'.repeat(43), resource: 'https://rs.example.com', scopes: [], refreshHash: null, refreshExpiresAt: null, refreshJkt: null, revokedAt: null, createdAt: T0 + 5 },
        [],
      );
      await store.recordDelegationUse(use(), record(p));
      expect(await other.getPersonTokenStanding(userId, `agr_${p}`, [agentId, `agt_${p}none`])).toEqual({
        userStatus: 'active',
        grant: { id: `agr_${p}`, userId, clientId: `pub_${p}`, revokedAt: null, createdAt: T0 + 5 },
        delegations: [{ userId, agentId, revokedAt: null, revokedBefore: null }],
      });
      expect(await store.getPersonTokenStanding(`usr_${p}nobody`, null, [])).toEqual({ userStatus: undefined, grant: undefined, delegations: [] });
      // Deleting the person deletes what they authorized and delegated.
      await store.deleteUser(userId, []);
      expect(await other.getPersonTokenStanding(userId, `agr_${p}`, [agentId])).toEqual({ userStatus: undefined, grant: undefined, delegations: [] });
    });
  });
}
