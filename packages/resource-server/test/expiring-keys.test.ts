import { describe, expect, it } from 'vitest';
import { DpopJtiCache } from '../src/dpop/dpop-jti-cache.js';
import { ExpiringKeys } from '../src/expiring-keys.js';
import { steadyStateClaims } from './support/steady-state-claims.js';

const T0 = 1_800_000_000_000;

describe('ExpiringKeys', () => {
  it('drops expired keys oldest first, stopping at the first live one', () => {
    const keys = new ExpiringKeys();
    keys.set('a', T0 + 10);
    keys.set('long', T0 + 1000);
    keys.set('b', T0 + 10);
    expect(keys.dropExpired(T0 + 10)).toBe(1);
    expect(keys.expiryOf('a')).toBeUndefined();
    // `b` waits behind `long`; a sweep reaches it.
    expect(keys.expiryOf('b')).toBe(T0 + 10);
    keys.sweep(T0 + 10);
    expect([...keys.entries()]).toEqual([['long', T0 + 1000]]);
  });

  it('never drops a key set again early: its old arrival slot is stale', () => {
    const keys = new ExpiringKeys();
    keys.set('k', T0 + 10);
    keys.set('other', T0 + 20);
    keys.set('k', T0 + 5000);
    expect(keys.dropExpired(T0 + 20)).toBe(1); // `other`; the old slot of `k` is skipped
    expect(keys.expiryOf('k')).toBe(T0 + 5000);
    expect(keys.size).toBe(1);
  });

  it('drops the oldest key still held, skipping stale slots', () => {
    const keys = new ExpiringKeys();
    keys.set('a', T0 + 10);
    keys.set('b', T0 + 10);
    keys.sweep(T0 + 10);
    keys.set('c', T0 + 100);
    keys.set('d', T0 + 100);
    expect(keys.dropOldest()).toBe(true);
    expect([...keys.entries()].map(([key]) => key)).toEqual(['d']);
    expect(keys.dropOldest()).toBe(true);
    expect(keys.dropOldest()).toBe(false);
  });
});

describe('DpopJtiCache', () => {
  it('refuses a replay and, when full of live proofs, a new one; accepts again once they expire', () => {
    const cache = new DpopJtiCache(2);
    expect(cache.claim('jkt', '1', T0 + 100, T0)).toBe(true);
    expect(cache.claim('jkt', '1', T0 + 100, T0 + 1)).toBe(false);
    expect(cache.claim('jkt', '2', T0 + 100, T0)).toBe(true);
    expect(cache.claim('jkt', '3', T0 + 100, T0)).toBe(false);
    expect(cache.claim('jkt', '3', T0 + 200, T0 + 100)).toBe(true);
    expect(cache.size).toBe(1);
  });

  it('costs the same per proof in a steady state where old proofs keep expiring (no walk of the map per proof)', () => {
    const cache = new DpopJtiCache(1_000_000);
    const claims = 100_000;
    const { accepted, collectionWalks, arrayElements } = steadyStateClaims((key, expiresAt, now) => cache.claim('jkt', key, expiresAt, now), { claims });
    expect(accepted).toBe(claims);
    expect(cache.size).toBeLessThanOrEqual(4_000 * 91);
    // Expired proofs leave from the arrival queue's front: no claim starts an iterator over the
    // ~360,000 proofs held, and the queue's upkeep (compaction) is a constant per claim, amortised.
    expect(collectionWalks).toBe(0);
    expect(arrayElements).toBeLessThanOrEqual(2 * claims);
  });
});
