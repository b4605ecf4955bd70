import { describe, expect, it } from 'vitest';
import { ReplayCache, ReplayCacheFullError } from '../../src/oauth/replay-cache.js';
import { countWalks } from '../../../resource-server/test/support/count-walks.js';
import { steadyStateClaims } from '../../../resource-server/test/support/steady-state-claims.js';

const T0 = 1_800_000_000_000;

describe('ReplayCache', () => {
  it('refuses a key until its expiry, then accepts it again', () => {
    const cache = new ReplayCache();
    expect(cache.claim('a', T0 + 1000, T0)).toBe(true);
    expect(cache.claim('a', T0 + 5000, T0 + 999)).toBe(false);
    expect(cache.claim('a', T0 + 5000, T0 + 1000)).toBe(true);
    expect(cache.claim('a', T0 + 9000, T0 + 4999)).toBe(false);
  });

  it('drops expired entries as new ones arrive, without being asked', () => {
    const cache = new ReplayCache();
    for (let i = 0; i < 1000; i++) cache.claim(`old-${i}`, T0 + 10, T0);
    for (let i = 0; i < 600; i++) cache.claim(`new-${i}`, T0 + 100_000, T0 + 20);
    // Two expired entries go for each claim: 1000 old ones are gone after 500 claims.
    expect(cache.size).toBe(600);
  });

  it('evicts expired entries oldest first and stops at the first live one', () => {
    const cache = new ReplayCache();
    cache.claim('short-1', T0 + 10, T0);
    cache.claim('long', T0 + 1000, T0);
    cache.claim('short-2', T0 + 10, T0);
    cache.evictExpired(T0 + 20);
    expect(cache.size).toBe(2);
    expect(cache.claim('short-1', T0 + 50, T0 + 20)).toBe(true);
    // short-2 waited behind `long`, but an expired entry is never refused.
    expect(cache.claim('short-2', T0 + 50, T0 + 20)).toBe(true);
    expect(cache.claim('long', T0 + 2000, T0 + 20)).toBe(false);
    cache.evictExpired(T0 + 1000);
    expect(cache.size).toBe(0);
  });

  it('stays bounded when full of live entries, forgetting the oldest', () => {
    const cache = new ReplayCache({ maxEntries: 3 });
    for (const key of ['a', 'b', 'c', 'd']) expect(cache.claim(key, T0 + 1000, T0)).toBe(true);
    expect(cache.size).toBe(3);
    expect(cache.claim('a', T0 + 1000, T0)).toBe(true); // forgotten: the store is the authority
    expect(cache.claim('d', T0 + 1000, T0)).toBe(false);
  });

  it('costs the same per claim when full of live entries as when empty (no scan of the whole cache)', () => {
    // A server at a few thousand tokens a second fills the default 500,000 entries in minutes with
    // entries that are all still live; each claim must not then walk them all.
    const full = 200_000;
    const claims = 20_000;
    const cache = new ReplayCache({ maxEntries: full });
    for (let i = 0; i < full; i++) cache.claim(`live-${i}`, T0 + 3_600_000, T0);
    const { result: accepted, collectionWalks, arrayElements } = countWalks(() => {
      let ok = 0;
      for (let i = 0; i < claims; i++) if (cache.claim(`more-${i}`, T0 + 3_600_000, T0 + 1)) ok += 1;
      return ok;
    });
    expect(accepted).toBe(claims);
    expect(cache.size).toBe(full);
    // Each claim forgets the oldest entry from the arrival queue's front: no iterator over the map
    // (a scan per claim would be 4e9 steps), and a constant of queue upkeep per claim, amortised.
    expect(collectionWalks).toBe(0);
    expect(arrayElements).toBeLessThanOrEqual(2 * claims);
  });

  it.each(['forget-oldest', 'refuse'] as const)('costs the same per claim in a steady state where old entries keep expiring (%s)', (whenFull) => {
    const cache = new ReplayCache({ maxEntries: 1_000_000, whenFull });
    const claims = 100_000;
    const { accepted, collectionWalks, arrayElements } = steadyStateClaims((key, expiresAt, now) => cache.claim(key, expiresAt, now), { claims });
    expect(accepted).toBe(claims);
    expect(cache.size).toBeLessThanOrEqual(4_000 * 91);
    expect(collectionWalks).toBe(0);
    expect(arrayElements).toBeLessThanOrEqual(2 * claims);
  });

  describe("whenFull: 'refuse' (the authority where one process sees every request)", () => {
    it('never forgets a live entry: a full cache throws and records nothing', () => {
      const cache = new ReplayCache({ maxEntries: 2, whenFull: 'refuse' });
      expect(cache.claim('a', T0 + 1000, T0)).toBe(true);
      expect(cache.claim('b', T0 + 1000, T0)).toBe(true);
      expect(() => cache.claim('c', T0 + 1000, T0)).toThrow(ReplayCacheFullError);
      expect(cache.size).toBe(2);
      // Still refused, still remembered.
      expect(cache.claim('a', T0 + 1000, T0 + 1)).toBe(false);
      expect(cache.claim('b', T0 + 1000, T0 + 1)).toBe(false);
      // Once they expire there is room again.
      expect(cache.claim('c', T0 + 5000, T0 + 1000)).toBe(true);
    });

    it('finds expired entries waiting behind a live one when full, at most once a second', () => {
      const cache = new ReplayCache({ maxEntries: 3, whenFull: 'refuse' });
      cache.claim('long', T0 + 60_000, T0);
      cache.claim('short-1', T0 + 100, T0);
      cache.claim('short-2', T0 + 100, T0);
      // The front is live (`long`): only the sweep of a full cache reaches short-1 and short-2.
      expect(cache.claim('c', T0 + 60_000, T0 + 200)).toBe(true);
      expect(cache.size).toBe(2);
      cache.claim('short-3', T0 + 300, T0 + 200);
      // Full again; short-3 expired at T0 + 300, but the last sweep was less than a second ago.
      expect(() => cache.claim('d', T0 + 60_000, T0 + 400)).toThrow(ReplayCacheFullError);
      expect(cache.claim('d', T0 + 60_000, T0 + 1200)).toBe(true);
      expect(cache.liveClaims(T0 + 1200).map((c) => c.key)).toEqual(['long', 'c', 'd']);
    });

    it('lists its live entries for the hand-over at shutdown', () => {
      const cache = new ReplayCache({ whenFull: 'refuse' });
      cache.claim('gone', T0 + 10, T0);
      cache.claim('live', T0 + 1000, T0);
      expect(cache.liveClaims(T0 + 10)).toEqual([{ key: 'live', expiresAt: T0 + 1000 }]);
    });
  });

  it('refuses a size that is not a positive integer', () => {
    expect(() => new ReplayCache({ maxEntries: 0 })).toThrow(TypeError);
    expect(() => new ReplayCache({ maxEntries: 1.5 })).toThrow(TypeError);
  });
});
