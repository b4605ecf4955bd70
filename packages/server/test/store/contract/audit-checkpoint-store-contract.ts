import { beforeEach, describe, expect, it } from 'vitest';
import type { AuditCheckpointRecord } from '../../../src/store/ports/audit-checkpoint-store.js';
import type { Store } from '../../../src/store/store.js';
import type { ContractStores } from './contract-stores.js';
import { T0, audit, hashRecord, prefix } from '../fixtures.js';

const HASH = 'A'.repeat(43);

function checkpoint(number: number, over: Partial<AuditCheckpointRecord> = {}): AuditCheckpointRecord {
  return { checkpoint: number, seq: number * 10, hash: HASH, createdAt: T0 + number, kid: 'kid-1', jws: `header.claims-${number}.signature`, ...over };
}

/** The `AuditCheckpointStore` contract: the audit head, and checkpoints claimed by number. */
export function auditCheckpointStoreContract(stores: () => ContractStores): void {
  describe('AuditCheckpointStore', () => {
    let store: Store;
    let other: Store;
    beforeEach(() => {
      ({ store, other } = stores());
    });

    it('reads the head of the audit log: the last record committed, as every store sees it', async () => {
      const [result] = await store.commitUnits([{ claims: [], audit: [audit(prefix()), audit(prefix())], issuedTokens: [], onReplay: [] }], hashRecord);
      if (result?.ok !== true) throw new Error('commit failed');
      const last = (await store.readAuditRange(result.firstSeq + 1, 1))[0];
      expect(await other.readAuditHead()).toEqual({ seq: result.firstSeq + 1, hash: last?.hash });
    });

    it('claims each checkpoint number once: of two racing stores exactly one wins, and lists them in order', async () => {
      const base = ((await store.latestAuditCheckpoint())?.checkpoint ?? 0) + 1;
      const won = await Promise.all([store.insertAuditCheckpoint(checkpoint(base, { kid: 'one' })), other.insertAuditCheckpoint(checkpoint(base, { kid: 'two' }))]);
      expect(won.filter(Boolean)).toHaveLength(1);
      expect((await other.latestAuditCheckpoint())?.kid).toBe(won[0] ? 'one' : 'two');

      expect(await store.insertAuditCheckpoint(checkpoint(base + 1))).toBe(true);
      expect(await other.latestAuditCheckpoint()).toEqual(checkpoint(base + 1));

      const first = await store.listAuditCheckpoints({ limit: base });
      expect(first.items.map((c) => c.checkpoint)).toEqual(Array.from({ length: base }, (_, i) => i + 1));
      expect(first.next).toBe(String(base));
      const second = await store.listAuditCheckpoints({ limit: 10, after: first.next });
      expect(second.items).toEqual([checkpoint(base + 1)]);
      expect(second.next).toBeUndefined();
      await expect(store.listAuditCheckpoints({ limit: 10, after: 'x' })).rejects.toBeInstanceOf(RangeError);
    });
  });
}
