import { describe, expect, it } from 'vitest';
import { ReplayCache } from '../../src/oauth/replay-cache.js';

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
    const cache = new ReplayCache(3);
    for (const key of ['a', 'b', 'c', 'd']) expect(cache.claim(key, T0 + 1000, T0)).toBe(true);
    expect(cache.size).toBe(3);
    expect(cache.claim('a', T0 + 1000, T0)).toBe(true); // forgotten: the store is the authority
    expect(cache.claim('d', T0 + 1000, T0)).toBe(false);
  });

  it('costs the same per claim when full of live entries as when empty (no scan of the whole cache)', () => {
    // A server at a few thousand tokens a second fills the default 500,000 entries in minutes with
    // entries that are all still live; each claim must not then walk them all.
    const full = 200_000;
    const cache = new ReplayCache(full);
    for (let i = 0; i < full; i++) cache.claim(`live-${i}`, T0 + 3_600_000, T0);
    const started = performance.now();
    for (let i = 0; i < 20_000; i++) expect(cache.claim(`more-${i}`, T0 + 3_600_000, T0 + 1)).toBe(true);
    // A scan per claim would be 4e9 map steps (tens of seconds); O(1) claims take milliseconds.
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(cache.size).toBe(full);
  });
});
