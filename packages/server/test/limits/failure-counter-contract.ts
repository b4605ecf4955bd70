import { beforeEach, describe, expect, it } from 'vitest';
import type { FailureCounter } from '../../src/limits/failure-counter.js';

/** One counter under test, and a second one over the same counts (another node, for Redis). */
export interface CounterFixture {
  counter: FailureCounter;
  sibling: FailureCounter;
  /** Keys unique to this test. */
  key(name: string): string;
  now: number;
  windowMs: number;
  /** Ends every window opened so far; returns the `now` to count at from then on. */
  endWindows(): Promise<number>;
}

/**
 * The contract every {@link FailureCounter} keeps (one suite for every implementation), run against
 * the in-memory counter and Redis: fixed windows per key, opened by the first failure, atomic
 * counts.
 */
export function failureCounterContract(make: () => Promise<CounterFixture>): void {
  describe('FailureCounter contract', () => {
    let f: CounterFixture;
    beforeEach(async () => {
      f = await make();
    });

    it('counts each key on its own, in the order given, in a window opened by its first failure', async () => {
      const [a, b] = [f.key('a'), f.key('b')];
      expect(await f.counter.increment([a, b], f.now)).toEqual([
        { count: 1, resetAt: f.now + f.windowMs },
        { count: 1, resetAt: f.now + f.windowMs },
      ]);
      const later = await f.counter.increment([b], f.now + 1_000);
      expect(later).toHaveLength(1);
      expect(later[0]?.count).toBe(2);
      // The window does not slide: it ends when the first failure's window ends.
      expect(later[0]?.resetAt).toBeLessThanOrEqual(f.now + f.windowMs + 1_000);
      expect(later[0]?.resetAt).toBeGreaterThan(f.now + 1_000);
      expect((await f.counter.increment([a], f.now + 1_000))[0]?.count).toBe(2);
    });

    it('gives every count exactly once under concurrent failures, also across counters', async () => {
      const key = f.key('busy');
      const results = await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 === 0 ? f.counter : f.sibling).increment([key], f.now)));
      expect(results.map((r) => r[0]?.count).sort((x, y) => (x ?? 0) - (y ?? 0))).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    });

    it('counts from one again once the window has ended', async () => {
      const key = f.key('reset');
      for (let i = 0; i < 3; i += 1) await f.counter.increment([key], f.now);
      const after = await f.endWindows();
      expect(await f.counter.increment([key], after)).toEqual([{ count: 1, resetAt: after + f.windowMs }]);
    });
  });
}
