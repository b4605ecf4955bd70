import { beforeEach, describe, expect, it } from 'vitest';
import { ConflictError } from '../../../src/store/ports/conflict-error.js';
import type { LoginProviderRecord, LoginRequestRecord } from '../../../src/store/ports/login-provider-store.js';
import type { Store } from '../../../src/store/store.js';
import type { ContractStores } from './contract-stores.js';
import { T0, audit, prefix, readChain } from '../fixtures.js';

function provider(id: string, over: Partial<LoginProviderRecord> = {}): LoginProviderRecord {
  return {
    id,
    displayName: `Provider ${id}`,
    issuer: 'https://idp.example.com',
    clientId: 'client',
    clientSecret: 'sealed-secret',
    scopes: ['openid', 'email'],
    claims: { email: 'email', name: 'name', groups: 'groups' },
    groupRoles: { admins: ['admin'], 'read only': ['auditor', 'operator'] },
    allowedDomains: ['example.com'],
    justInTime: true,
    createdAt: T0,
    updatedAt: T0,
    ...over,
  };
}

function request(stateHash: string, providerId: string, over: Partial<LoginRequestRecord> = {}): LoginRequestRecord {
  return { stateHash, providerId, sealed: 'sealed', returnTo: '/account', expiresAt: T0 + 600_000, ...over };
}

/** The `LoginProviderStore` contract: upstream providers and their single-use pending sign-ins. */
export function loginProviderStoreContract(stores: () => ContractStores): void {
  describe('LoginProviderStore', () => {
    let store: Store;
    let other: Store;
    beforeEach(() => {
      ({ store, other } = stores());
    });
    const record = (p: string, event: string) => [audit(null, { event: event as never, details: { id: p } })];
    const events = async (p: string) => (await readChain(other)).filter((r) => r.details['id'] === p).map((r) => r.event);
    // Ids are slugs: lower case, at most 32 characters.
    const slug = (p: string, suffix: string) => `${p.toLowerCase().replace(/[^a-z0-9]/g, '')}-${suffix}`.slice(-32);

    it('creates a provider once per id and reads back exactly what was written, with its audit record', async () => {
      const p = prefix();
      const id = slug(p, 'a');
      await store.createLoginProvider(provider(id), record(p, 'login_provider.created'));
      expect(await other.getLoginProvider(id)).toEqual(provider(id));
      expect((await other.listLoginProviders()).map((r) => r.id)).toContain(id);
      await expect(other.createLoginProvider(provider(id), record(p, 'login_provider.created'))).rejects.toBeInstanceOf(ConflictError);
      expect(await events(p)).toEqual(['login_provider.created']);
    });

    it('updates and deletes with their audit records; nothing for a provider that is not there', async () => {
      const p = prefix();
      const id = slug(p, 'b');
      await store.createLoginProvider(provider(id), record(p, 'login_provider.created'));
      const updated = await store.updateLoginProvider(id, { justInTime: false, allowedDomains: [] }, T0 + 5, () => record(p, 'login_provider.updated'));
      expect(updated).toEqual(provider(id, { justInTime: false, allowedDomains: [], updatedAt: T0 + 5 }));
      expect(await other.getLoginProvider(id)).toEqual(updated);
      expect(await store.updateLoginProvider(slug(p, 'none'), { justInTime: false }, T0, () => record(p, 'login_provider.updated'))).toBeUndefined();
      await store.saveLoginRequest(request(`${p}-pending`, id));
      expect(await store.deleteLoginProvider(id, record(p, 'login_provider.deleted'))).toBe(true);
      expect(await other.getLoginProvider(id)).toBeUndefined();
      expect(await other.claimLoginRequest(`${p}-pending`, T0)).toBeUndefined();
      expect(await store.deleteLoginProvider(id, record(p, 'login_provider.deleted'))).toBe(false);
      expect(await events(p)).toEqual(['login_provider.created', 'login_provider.updated', 'login_provider.deleted']);
    });

    it('hands a pending sign-in out once, on any node, and never after it expired', async () => {
      const p = prefix();
      const id = slug(p, 'c');
      await store.createLoginProvider(provider(id), record(p, 'login_provider.created'));
      await store.saveLoginRequest(request(`${p}-1`, id));
      const claims = await Promise.all([store.claimLoginRequest(`${p}-1`, T0), other.claimLoginRequest(`${p}-1`, T0)]);
      expect(claims.filter((c) => c !== undefined)).toEqual([request(`${p}-1`, id)]);
      await store.saveLoginRequest(request(`${p}-2`, id, { expiresAt: T0 + 10 }));
      expect(await other.claimLoginRequest(`${p}-2`, T0 + 10)).toBeUndefined();
      expect(await store.pruneLoginRequests(T0 + 10)).toBeGreaterThanOrEqual(1);
      expect(await other.claimLoginRequest(`${p}-2`, T0)).toBeUndefined();
    });
  });
}
