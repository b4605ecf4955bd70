import { beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../../src/store/store.js';
import type { ContractStores } from './contract-stores.js';
import { T0, prefix } from '../fixtures.js';

/** The `SiemCheckpointStore` contract: one checkpoint per sink, created once, advanced only from where it is. */
export function siemCheckpointStoreContract(stores: () => ContractStores): void {
  describe('SiemCheckpointStore', () => {
    let store: Store;
    let other: Store;
    beforeEach(() => {
      ({ store, other } = stores());
    });

    it('creates a sink\'s checkpoint at 0 once, however many stores open it at the same time', async () => {
      const sink = `${prefix()}file`;
      const opened = await Promise.all([store.openSiemCheckpoint(sink), other.openSiemCheckpoint(sink), store.openSiemCheckpoint(sink)]);
      for (const checkpoint of opened) expect(checkpoint).toEqual({ sink, seq: 0, exportedAt: null, lastError: null, lastErrorAt: null });
      expect((await other.listSiemCheckpoints()).filter((c) => c.sink === sink)).toHaveLength(1);
    });

    it('advances only from the seq it is at: of two stores racing from the same seq exactly one moves it', async () => {
      const sink = `${prefix()}webhook`;
      await store.openSiemCheckpoint(sink);
      expect(await store.advanceSiemCheckpoint(sink, 0, 5, T0)).toBe(true);
      const raced = await Promise.all([store.advanceSiemCheckpoint(sink, 5, 9, T0 + 1), other.advanceSiemCheckpoint(sink, 5, 7, T0 + 2)]);
      expect(raced.filter(Boolean)).toHaveLength(1);
      const after = await other.openSiemCheckpoint(sink);
      expect(after.seq).toBe(raced[0] ? 9 : 7);
      expect(after.exportedAt).toBe(raced[0] ? T0 + 1 : T0 + 2);
      // A stale position never moves it back.
      expect(await store.advanceSiemCheckpoint(sink, 0, 3, T0 + 3)).toBe(false);
      expect((await store.openSiemCheckpoint(sink)).seq).toBe(after.seq);
      await expect(store.advanceSiemCheckpoint(sink, 9, 9, T0)).rejects.toBeInstanceOf(TypeError);
    });

    it('lets one holder at a time claim a sink, until its lease lapses or it gives the sink up', async () => {
      const sink = `${prefix()}syslog`;
      await store.openSiemCheckpoint(sink);
      const raced = await Promise.all([store.claimSiemSink(sink, 'one', T0, 1000), other.claimSiemSink(sink, 'two', T0, 1000)]);
      expect(raced.filter(Boolean)).toHaveLength(1);
      const [winner, loser] = raced[0] ? ['one', 'two'] : ['two', 'one'];
      // The holder renews; the other waits for the lease to end.
      expect(await store.claimSiemSink(sink, winner, T0 + 500, 1000)).toBe(true);
      expect(await other.claimSiemSink(sink, loser, T0 + 1499, 1000)).toBe(false);
      expect(await other.claimSiemSink(sink, loser, T0 + 1500, 1000)).toBe(true);
      // Only the holder gives it up.
      await store.releaseSiemSink(sink, winner);
      expect(await store.claimSiemSink(sink, winner, T0 + 1600, 1000)).toBe(false);
      await other.releaseSiemSink(sink, loser);
      expect(await store.claimSiemSink(sink, winner, T0 + 1600, 1000)).toBe(true);
      expect(await other.claimSiemSink(`${sink}-none`, 'one', T0, 1000)).toBe(false);
    });

    it('keeps the last error beside the position, bounded, and lists every sink by name', async () => {
      const base = prefix();
      await store.openSiemCheckpoint(`${base}b`);
      await store.openSiemCheckpoint(`${base}a`);
      await store.recordSiemError(`${base}a`, 'x'.repeat(600), T0 + 10);
      await store.advanceSiemCheckpoint(`${base}b`, 0, 2, T0 + 20);
      const mine = (await other.listSiemCheckpoints()).filter((c) => c.sink.startsWith(base));
      expect(mine).toEqual([
        { sink: `${base}a`, seq: 0, exportedAt: null, lastError: 'x'.repeat(500), lastErrorAt: T0 + 10 },
        { sink: `${base}b`, seq: 2, exportedAt: T0 + 20, lastError: null, lastErrorAt: null },
      ]);
    });
  });
}
