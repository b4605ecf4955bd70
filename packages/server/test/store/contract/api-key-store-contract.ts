import { createHash } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import type { ApiKeyRecord } from '../../../src/store/ports/api-key-store.js';
import type { Store } from '../../../src/store/store.js';
import type { ContractStores } from './contract-stores.js';
import { T0, audit, newAgent, prefix, readChain } from '../fixtures.js';

/** A live managed key of `agentId`, stored by the SHA-256 of `secret`. */
function apiKey(agentId: string, secret: string, over: Partial<ApiKeyRecord> = {}): ApiKeyRecord {
  return {
    id: `ak_${secret}`,
    keyHash: createHash('sha256').update(secret).digest('hex'),
    agentId,
    owner: 'team-a',
    scopes: ['orders:read'],
    resources: ['https://api.example.com'],
    labels: { repo: 'cron' },
    createdAt: T0,
    expiresAt: T0 + 60_000,
    revokedAt: null,
    replacesId: null,
    lastUsedAt: null,
    useCount: 0,
    sourceAddresses: [],
    ...over,
  };
}

/** The `ApiKeyStore` contract: managed keys by digest, rotation and revocation as conditional writes. */
export function apiKeyStoreContract(stores: () => ContractStores): void {
  describe('ApiKeyStore', () => {
    let store: Store;
    let other: Store;
    beforeEach(() => {
      ({ store, other } = stores());
    });

    it('stores a key with its audit record, finds it by id and digest, lists an agent’s keys', async () => {
      const p = prefix();
      await store.createAgent(newAgent(`${p}-a`), [], T0);
      const key = apiKey(`${p}-a`, `${p}-1`);
      await store.createApiKey(key, [audit(`${p}-a`, { event: 'api_key.created', details: { managed_key_id: key.id } })]);
      expect(await other.getApiKey(key.id)).toEqual(key);
      expect(await other.findApiKeyByHash(key.keyHash)).toEqual(key);
      expect(await other.findApiKeyByHash(apiKey(`${p}-a`, `${p}-none`).keyHash)).toBeUndefined();
      expect(await other.listApiKeys({ agentId: `${p}-a`, limit: 10 })).toEqual([key]);
      expect((await readChain(other)).filter((r) => r.details['managed_key_id'] === key.id).map((r) => r.event)).toEqual(['api_key.created']);
      await expect(store.createApiKey(apiKey(`${p}-a`, `${p}-2`), [audit(`${p}-a`, { event: 'api_key.lost' as never })])).rejects.toThrow(TypeError);
      expect(await other.getApiKey(`ak_${p}-2`)).toBeUndefined();
    });

    it('rotates only a live key, bringing its expiry forward, never later', async () => {
      const p = prefix();
      await store.createAgent(newAgent(`${p}-a`), [], T0);
      const old = apiKey(`${p}-a`, `${p}-old`);
      await store.createApiKey(old, []);
      const next = apiKey(`${p}-a`, `${p}-new`, { replacesId: old.id, expiresAt: T0 + 600_000 });
      expect(await store.rotateApiKey(old.id, next, T0 + 1_000_000, T0 + 1, [audit(`${p}-a`, { event: 'api_key.rotated', details: { managed_key_id: next.id } })])).toBe(true);
      expect((await other.getApiKey(old.id))?.expiresAt).toBe(T0 + 60_000);
      expect(await other.getApiKey(next.id)).toEqual(next);
      const third = apiKey(`${p}-a`, `${p}-third`);
      expect(await store.rotateApiKey(next.id, third, T0 + 5, T0 + 2, [])).toBe(true);
      expect((await other.getApiKey(next.id))?.expiresAt).toBe(T0 + 5);
      // Expired at T0 + 5: nothing more is written.
      expect(await other.rotateApiKey(next.id, apiKey(`${p}-a`, `${p}-fourth`), T0 + 9, T0 + 5, [])).toBe(false);
      expect(await store.getApiKey(`ak_${p}-fourth`)).toBeUndefined();
    });

    it('revokes once, and of two racing revocations exactly one wins', async () => {
      const p = prefix();
      await store.createAgent(newAgent(`${p}-a`), [], T0);
      const key = apiKey(`${p}-a`, `${p}-r`);
      await store.createApiKey(key, []);
      const results = await Promise.all([store.revokeApiKey(key.id, T0 + 1, []), other.revokeApiKey(key.id, T0 + 1, [])]);
      expect(results.filter(Boolean)).toHaveLength(1);
      expect((await store.getApiKey(key.id))?.revokedAt).toBe(T0 + 1);
      expect(await store.rotateApiKey(key.id, apiKey(`${p}-a`, `${p}-after`), T0 + 9, T0 + 2, [])).toBe(false);
    });

    it('counts every use, keeping the most recent distinct source addresses, bounded', async () => {
      const p = prefix();
      await store.createAgent(newAgent(`${p}-a`), [], T0);
      const key = apiKey(`${p}-a`, `${p}-u`);
      await store.createApiKey(key, []);
      await Promise.all([store.recordApiKeyUse(key.id, T0 + 1, '192.0.2.1', 2), other.recordApiKeyUse(key.id, T0 + 1, '192.0.2.1', 2)]);
      await store.recordApiKeyUse(key.id, T0 + 2, '192.0.2.2', 2);
      await store.recordApiKeyUse(key.id, T0 + 3, '192.0.2.3', 2);
      await store.recordApiKeyUse(key.id, T0 + 4, null, 2);
      expect(await other.getApiKey(key.id)).toMatchObject({ useCount: 5, lastUsedAt: T0 + 4, sourceAddresses: ['192.0.2.3', '192.0.2.2'] });
    });

    it('goes with its agent', async () => {
      const p = prefix();
      await store.createAgent(newAgent(`${p}-a`), [], T0);
      const key = apiKey(`${p}-a`, `${p}-gone`);
      await store.createApiKey(key, []);
      await store.deleteAgent(`${p}-a`);
      expect(await other.getApiKey(key.id)).toBeUndefined();
    });
  });
}
