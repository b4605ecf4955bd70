import { createHash } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { ConflictError } from '../../../src/store/ports/conflict-error.js';
import type { ImportedKeyRecord } from '../../../src/store/ports/imported-key-store.js';
import type { Store } from '../../../src/store/store.js';
import type { ContractStores } from './contract-stores.js';
import { T0, audit, newAgent, prefix, readChain } from '../fixtures.js';

/** A live imported key of `agentId`, stored by the SHA-256 of `secret`. */
function importedKey(agentId: string, secret: string, over: Partial<ImportedKeyRecord> = {}): ImportedKeyRecord {
  return {
    id: `ik_${secret}`,
    keyDigest: createHash('sha256').update(secret).digest('hex'),
    agentId,
    owner: 'team-a',
    scopes: ['orders:read'],
    resources: ['https://api.example.com'],
    labels: { source: 'vault' },
    importedAt: T0,
    expiresAt: T0 + 60_000,
    revokedAt: null,
    lastUsedAt: null,
    useCount: 0,
    sourceAddresses: [],
    ...over,
  };
}

/** The `ImportedKeyStore` contract: batches all or nothing, keys by digest, revocation as a conditional write. */
export function importedKeyStoreContract(stores: () => ContractStores): void {
  describe('ImportedKeyStore', () => {
    let store: Store;
    let other: Store;
    beforeEach(() => {
      ({ store, other } = stores());
    });

    it('imports a batch with its audit records, finds keys by id and digest, lists an agent’s keys', async () => {
      const p = prefix();
      await store.createAgent(newAgent(`${p}-a`), [], T0);
      const one = importedKey(`${p}-a`, `${p}-1`);
      const two = importedKey(`${p}-a`, `${p}-2`, { importedAt: T0 + 1 });
      await store.importKeys([one, two], [one, two].map((k) => audit(`${p}-a`, { event: 'imported_key.imported', details: { imported_key_id: k.id } })));
      expect(await other.getImportedKey(one.id)).toEqual(one);
      expect(await other.findImportedKeyByDigest(two.keyDigest)).toEqual(two);
      expect(await other.findImportedKeyByDigest(importedKey(`${p}-a`, `${p}-none`).keyDigest)).toBeUndefined();
      expect(await other.listImportedKeys({ agentId: `${p}-a`, limit: 10 })).toEqual([one, two]);
      expect(await other.listImportedKeys({ agentId: `${p}-a`, limit: 1 })).toEqual([one]);
      expect(await other.knownImportedKeyDigests([one.keyDigest, importedKey(`${p}-a`, `${p}-none`).keyDigest])).toEqual(new Set([one.keyDigest]));
      expect((await readChain(other)).filter((r) => String(r.details['imported_key_id']).startsWith(`ik_${p}`)).map((r) => r.event)).toEqual(['imported_key.imported', 'imported_key.imported']);
    });

    it('writes nothing of a batch with a digest already stored, or a refused audit record', async () => {
      const p = prefix();
      await store.createAgent(newAgent(`${p}-a`), [], T0);
      const first = importedKey(`${p}-a`, `${p}-1`);
      await store.importKeys([first], []);
      const fresh = importedKey(`${p}-a`, `${p}-2`);
      const again = importedKey(`${p}-a`, `${p}-1`, { id: `ik_${p}-again` });
      await expect(other.importKeys([fresh, again], [])).rejects.toThrow(ConflictError);
      expect(await store.getImportedKey(fresh.id)).toBeUndefined();
      await expect(other.importKeys([fresh, importedKey(`${p}-a`, `${p}-2`, { id: `ik_${p}-twin` })], [])).rejects.toThrow(ConflictError);
      expect(await store.getImportedKey(fresh.id)).toBeUndefined();
      await expect(store.importKeys([fresh], [audit(`${p}-a`, { event: 'imported_key.lost' as never })])).rejects.toThrow(TypeError);
      expect(await other.getImportedKey(fresh.id)).toBeUndefined();
    });

    it('imports a batch larger than one insert statement', async () => {
      const p = prefix();
      await store.createAgent(newAgent(`${p}-a`), [], T0);
      const batch = Array.from({ length: 450 }, (_, i) => importedKey(`${p}-a`, `${p}-${String(i).padStart(3, '0')}`));
      await store.importKeys(batch, []);
      expect(await other.listImportedKeys({ agentId: `${p}-a`, limit: 500 })).toHaveLength(450);
      expect((await other.knownImportedKeyDigests(batch.map((k) => k.keyDigest))).size).toBe(450);
    });

    it('revokes once, and of two racing revocations exactly one wins', async () => {
      const p = prefix();
      await store.createAgent(newAgent(`${p}-a`), [], T0);
      const key = importedKey(`${p}-a`, `${p}-r`);
      await store.importKeys([key], []);
      const results = await Promise.all([store.revokeImportedKey(key.id, T0 + 1, []), other.revokeImportedKey(key.id, T0 + 1, [])]);
      expect(results.filter(Boolean)).toHaveLength(1);
      expect((await store.getImportedKey(key.id))?.revokedAt).toBe(T0 + 1);
      expect(await store.revokeImportedKey(`ik_${p}-none`, T0 + 2, [])).toBe(false);
    });

    it('counts every use as a managed key does, keeping the most recent distinct source addresses, bounded', async () => {
      const p = prefix();
      await store.createAgent(newAgent(`${p}-a`), [], T0);
      const key = importedKey(`${p}-a`, `${p}-u`);
      await store.importKeys([key], []);
      await Promise.all([store.recordImportedKeyUse(key.id, T0 + 1, '192.0.2.1', 2), other.recordImportedKeyUse(key.id, T0 + 1, '192.0.2.1', 2)]);
      await store.recordImportedKeyUse(key.id, T0 + 2, '192.0.2.2', 2);
      await store.recordImportedKeyUse(key.id, T0 + 3, '192.0.2.3', 2);
      await store.recordImportedKeyUse(key.id, T0 + 4, null, 2);
      expect(await other.getImportedKey(key.id)).toMatchObject({ useCount: 5, lastUsedAt: T0 + 4, sourceAddresses: ['192.0.2.3', '192.0.2.2'] });
    });

    it('goes with its agent', async () => {
      const p = prefix();
      await store.createAgent(newAgent(`${p}-a`), [], T0);
      const key = importedKey(`${p}-a`, `${p}-gone`);
      await store.importKeys([key], []);
      await store.deleteAgent(`${p}-a`);
      expect(await other.getImportedKey(key.id)).toBeUndefined();
    });
  });
}
