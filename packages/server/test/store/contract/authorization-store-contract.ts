import { beforeEach, describe, expect, it } from 'vitest';
import type { AuthorizationGrantRecord, PublicClientRecord } from '../../../src/store/ports/authorization-store.js';
import { ConflictError } from '../../../src/store/ports/conflict-error.js';
import type { UserRecord } from '../../../src/store/ports/user-store.js';
import type { Store } from '../../../src/store/store.js';
import type { ContractStores } from './contract-stores.js';
import { T0, audit, prefix, readChain } from '../fixtures.js';

function person(id: string): UserRecord {
  return { id, email: `${id.toLowerCase()}@example.com`, name: id, groups: [], roles: [], status: 'active', passwordHash: null, totpSecret: null, totpPending: null, totpLastStep: null, failedLogins: 0, lockedUntil: null, createdAt: T0, updatedAt: T0, lastLoginAt: null };
}

function client(id: string): PublicClientRecord {
  return { clientId: id, name: `Client ${id}`, redirectUris: ['http://127.0.0.1/cb'], scopes: ['orders:read'], createdAt: T0 };
}

function grant(id: string, clientId: string, userId: string, over: Partial<AuthorizationGrantRecord> = {}): AuthorizationGrantRecord {
  return { id, codeHash: `code-${id}`, codeExpiresAt: T0 + 60_000, codeUsedAt: null, clientId, userId, redirectUri: 'http://127.0.0.1/cb', codeChallenge: 'c'.repeat(43), resource: 'https://rs.example.com', scopes: ['orders:read'], refreshHash: null, refreshExpiresAt: null, refreshJkt: null, revokedAt: null, createdAt: T0, ...over };
}

/** The `AuthorizationStore` contract: public clients, single-use codes, rotating refresh families, consents. */
export function authorizationStoreContract(stores: () => ContractStores): void {
  describe('AuthorizationStore', () => {
    let store: Store;
    let other: Store;
    beforeEach(() => {
      ({ store, other } = stores());
    });
    const record = (p: string, event: string) => [audit(null, { event: event as never, details: { id: p } })];
    const events = async (p: string) => (await readChain(other)).filter((r) => r.details['id'] === p).map((r) => r.event);

    async function setUp(p: string, recorded = false): Promise<{ userId: string; clientId: string }> {
      await store.createUser(person(`${p}-u`), []);
      await store.registerPublicClient(client(`${p}-c`), recorded ? record(p, 'public_client.registered') : []);
      return { userId: `${p}-u`, clientId: `${p}-c` };
    }

    it('registers a public client once, with its record, and reads it back', async () => {
      const p = prefix();
      await setUp(p, true);
      expect(await other.getPublicClient(`${p}-c`)).toEqual(client(`${p}-c`));
      await expect(other.registerPublicClient(client(`${p}-c`), [])).rejects.toBeInstanceOf(ConflictError);
      expect(await events(p)).toEqual(['public_client.registered']);
    });

    it('remembers a metadata-document client once, refreshing what its document says and keeping its consents', async () => {
      const p = prefix();
      await store.createUser(person(`${p}-u`), []);
      const url = `https://${p}.example.com/client.json`;
      await store.rememberMetadataClient({ ...client(url), name: 'First' });
      await store.saveConsent({ userId: `${p}-u`, clientId: url, resource: 'https://rs.example.com', scopes: ['orders:read'], grantedAt: T0 }, []);
      await other.rememberMetadataClient({ ...client(url), name: 'Second', redirectUris: ['https://app.example.com/cb'], createdAt: T0 + 5 });
      expect(await store.getPublicClient(url)).toEqual({ ...client(url), name: 'Second', redirectUris: ['https://app.example.com/cb'] });
      expect((await other.listConsents(`${p}-u`, 10)).map((c) => c.clientId)).toEqual([url]);
    });

    it('spends a code once, across stores, and says when it comes back', async () => {
      const p = prefix();
      const { userId, clientId } = await setUp(p);
      await store.createAuthorizationGrant(grant(`${p}-g`, clientId, userId), record(p, 'authorization_code.issued'));
      const results = await Promise.all([store, other].map((s) => s.redeemAuthorizationCode(`code-${p}-g`, T0 + 1, { hash: 'r1', expiresAt: T0 + 1000, jkt: null })));
      expect(results.map((r) => r.kind).sort()).toEqual(['ok', 'reused']);
      expect((await store.redeemAuthorizationCode(`code-${p}-g`, T0 + 2, { hash: 'r2', expiresAt: T0 + 1000, jkt: null })).kind).toBe('reused');
      expect((await store.redeemAuthorizationCode(`code-${p}-nothing`, T0, { hash: 'r', expiresAt: T0, jkt: null })).kind).toBe('unknown');
      expect(await events(p)).toEqual(['authorization_code.issued']);
    });

    it('refuses an expired or revoked code as unknown', async () => {
      const p = prefix();
      const { userId, clientId } = await setUp(p);
      await store.createAuthorizationGrant(grant(`${p}-old`, clientId, userId), []);
      expect((await store.redeemAuthorizationCode(`code-${p}-old`, T0 + 60_000, { hash: 'r', expiresAt: T0, jkt: null })).kind).toBe('unknown');
      await store.createAuthorizationGrant(grant(`${p}-rev`, clientId, userId), []);
      expect(await store.revokeAuthorizationGrants([`${p}-rev`], T0, () => record(p, 'authorization_grant.revoked'))).toEqual([`${p}-rev`]);
      expect(await other.revokeAuthorizationGrants([`${p}-rev`], T0, () => record(p, 'authorization_grant.revoked'))).toEqual([]);
      expect((await store.redeemAuthorizationCode(`code-${p}-rev`, T0, { hash: 'r', expiresAt: T0 + 1000, jkt: null })).kind).toBe('unknown');
      expect(await events(p)).toEqual(['authorization_grant.revoked']);
    });

    it('rotates a refresh token once and tells an earlier one of a live family apart', async () => {
      const p = prefix();
      const { userId, clientId } = await setUp(p);
      await store.createAuthorizationGrant(grant(`${p}-g`, clientId, userId), []);
      await store.redeemAuthorizationCode(`code-${p}-g`, T0, { hash: 'h1', expiresAt: T0 + 1000, jkt: null });
      const rotated = await Promise.all([store, other].map((s) => s.rotateRefreshToken(`${p}-g`, 'h1', T0 + 1, { hash: `h2-${s === store ? 'a' : 'b'}`, expiresAt: T0 + 2000 }, null)));
      expect(rotated.map((r) => r.kind).sort()).toEqual(['ok', 'reused']);
      expect((await store.rotateRefreshToken(`${p}-g`, 'h1', T0 + 2, { hash: 'h3', expiresAt: T0 + 3000 }, null)).kind).toBe('reused');
      expect((await store.rotateRefreshToken(`${p}-none`, 'h1', T0 + 2, { hash: 'h3', expiresAt: T0 + 3000 }, null)).kind).toBe('unknown');
      const current = (rotated.find((r) => r.kind === 'ok') as { grant: AuthorizationGrantRecord }).grant.refreshHash as string;
      expect((await store.rotateRefreshToken(`${p}-g`, current, T0 + 2000, { hash: 'h4', expiresAt: T0 + 4000 }, null)).kind).toBe('unknown');
      await store.revokeAuthorizationGrants([`${p}-g`], T0, () => []);
      expect((await store.rotateRefreshToken(`${p}-g`, 'h1', T0 + 3, { hash: 'h5', expiresAt: T0 + 5000 }, null)).kind).toBe('unknown');
    });

    it('rotates a DPoP-bound family only with its key (RFC 9449 §5)', async () => {
      const p = prefix();
      const { userId, clientId } = await setUp(p);
      await store.createAuthorizationGrant(grant(`${p}-g`, clientId, userId), []);
      await store.redeemAuthorizationCode(`code-${p}-g`, T0, { hash: 'h1', expiresAt: T0 + 1000, jkt: 'key-1' });
      expect((await other.rotateRefreshToken(`${p}-g`, 'h1', T0, { hash: 'h2', expiresAt: T0 + 1000 }, null)).kind).toBe('unknown');
      expect((await other.rotateRefreshToken(`${p}-g`, 'h1', T0, { hash: 'h2', expiresAt: T0 + 1000 }, 'key-2')).kind).toBe('unknown');
      const rotated = await store.rotateRefreshToken(`${p}-g`, 'h1', T0, { hash: 'h2', expiresAt: T0 + 1000 }, 'key-1');
      expect(rotated).toMatchObject({ kind: 'ok', grant: { refreshHash: 'h2', refreshJkt: 'key-1' } });
    });

    it('keeps one consent per person, client and resource; lists and deletes it with its records', async () => {
      const p = prefix();
      const { userId, clientId } = await setUp(p);
      const consent = { userId, clientId, resource: 'https://rs.example.com', scopes: ['a'], grantedAt: T0 };
      await store.saveConsent(consent, record(p, 'consent.granted'));
      await other.saveConsent({ ...consent, scopes: ['a', 'b'], grantedAt: T0 + 1 }, record(p, 'consent.granted'));
      expect(await store.getConsent(userId, clientId, 'https://rs.example.com')).toEqual({ ...consent, scopes: ['a', 'b'], grantedAt: T0 + 1 });
      expect(await other.listConsents(userId, 10)).toHaveLength(1);
      expect(await store.deleteConsent(userId, clientId, 'https://rs.example.com', record(p, 'consent.revoked'))).toBe(true);
      expect(await other.deleteConsent(userId, clientId, 'https://rs.example.com', record(p, 'consent.revoked'))).toBe(false);
      expect(await events(p)).toEqual(['consent.granted', 'consent.granted', 'consent.revoked']);
      await store.createAuthorizationGrant(grant(`${p}-g`, clientId, userId), []);
      expect((await other.listAuthorizationGrants(userId, clientId, 10)).map((g) => g.id)).toEqual([`${p}-g`]);
    });

    it('lists a person\'s unrevoked grants across clients', async () => {
      const p = prefix();
      const { userId, clientId } = await setUp(p);
      await store.registerPublicClient(client(`${p}-c2`), []);
      await store.createAuthorizationGrant(grant(`${p}-a`, clientId, userId), []);
      await store.createAuthorizationGrant(grant(`${p}-b`, `${p}-c2`, userId), []);
      await store.createAuthorizationGrant(grant(`${p}-r`, clientId, userId), []);
      await store.revokeAuthorizationGrants([`${p}-r`], T0, () => []);
      expect((await other.listUnrevokedGrants(userId, 10)).map((g) => g.id)).toEqual([`${p}-a`, `${p}-b`]);
      expect(await other.listUnrevokedGrants(`${p}-nobody`, 10)).toEqual([]);
    });
  });
}
