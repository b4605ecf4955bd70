import { describe, expect, it } from 'vitest';
import { DecisionCache } from '../src/decision-cache.js';

describe('DecisionCache', () => {
  it('answers a decision until its time-to-live ends, then forgets it', () => {
    const cache = new DecisionCache(5_000, 10);
    cache.set('q', true, 1_000);
    expect(cache.get('q', 5_999)).toBe(true);
    expect(cache.get('q', 6_000)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('holds at most maxEntries, dropping the oldest first', () => {
    const cache = new DecisionCache(5_000, 2);
    cache.set('a', true, 0);
    cache.set('b', false, 0);
    cache.set('c', true, 0);
    expect(cache.size).toBe(2);
    expect(cache.get('a', 1)).toBeUndefined();
    expect([cache.get('b', 1), cache.get('c', 1)]).toEqual([false, true]);
  });

  it('keeps nothing with a time-to-live of 0', () => {
    const cache = new DecisionCache(0, 10);
    cache.set('q', true, 0);
    expect(cache.get('q', 0)).toBeUndefined();
  });
});
