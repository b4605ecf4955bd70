import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { FrozenClock } from '../../src/clock.js';
import { GaugeSnapshots, SNAPSHOT_MAX_AGE_MS } from '../../src/metrics/gauge-snapshots.js';
import type { GaugeSnapshot } from '../../src/store/ports/gauge-store.js';

const snapshot = (active: number): GaugeSnapshot => ({ agentsByStatus: { active }, streamsByStatus: {}, queuedSets: 0, oldestQueuedAt: null, oldestCrlThisUpdate: null });
const logger = pino({ level: 'silent' });

describe('GaugeSnapshots: the database counts behind the gauges, read at scrape time', () => {
  it('reads once for concurrent scrapes and reuses the figures until they are old', async () => {
    const clock = new FrozenClock();
    let reads = 0;
    const snapshots = new GaugeSnapshots({ clock, logger, read: async () => snapshot(++reads) });
    const [first, second] = await Promise.all([snapshots.get(), snapshots.get()]);
    expect([first?.agentsByStatus.active, second?.agentsByStatus.active]).toEqual([1, 1]);
    clock.advance(SNAPSHOT_MAX_AGE_MS - 1);
    expect((await snapshots.get())?.agentsByStatus.active).toBe(1);
    clock.advance(1);
    expect((await snapshots.get())?.agentsByStatus.active).toBe(2);
    expect(reads).toBe(2);
  });

  it('answers with the last figures when a read fails, and counts the failure', async () => {
    const clock = new FrozenClock();
    let fail = false;
    const snapshots = new GaugeSnapshots({ clock, logger, read: async () => (fail ? Promise.reject(new Error('database away')) : snapshot(7)) });
    expect((await snapshots.get())?.agentsByStatus.active).toBe(7);
    fail = true;
    clock.advance(SNAPSHOT_MAX_AGE_MS);
    expect((await snapshots.get())?.agentsByStatus.active).toBe(7);
    expect(snapshots.failures).toBe(1);
  });

  it('does not hold a scrape longer than its wait when the database hangs', async () => {
    const clock = new FrozenClock();
    const snapshots = new GaugeSnapshots({ clock, logger, waitMs: 1, read: () => new Promise<GaugeSnapshot>(() => undefined) });
    expect(await snapshots.get()).toBeUndefined();
  });
});
