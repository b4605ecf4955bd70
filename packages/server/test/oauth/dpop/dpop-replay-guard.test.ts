import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { inProcessReplayGuard, redisReplayGuard } from '../../../src/oauth/dpop/dpop-replay-guard.js';
import { ReplayCache } from '../../../src/oauth/replay-cache.js';

const REDIS_URL = process.env.AGENTAUTH_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const silent = { warn: () => undefined };

/** What `promise` settles to before the event loop's next turn (microtasks only), else 'still waiting'. */
function withinThisTurn<T>(promise: Promise<T>): Promise<T | 'still waiting'> {
  return Promise.race([promise, new Promise<'still waiting'>((resolve) => setImmediate(() => resolve('still waiting')))]);
}

describe('DPoP replay guards', () => {
  it('in process: a key is single-use until it expires', async () => {
    const guard = inProcessReplayGuard(new ReplayCache());
    const now = Date.now();
    expect(await guard.claim('dpop:k:1', now + 90_000, now)).toBe(true);
    expect(await guard.claim('dpop:k:1', now + 90_000, now + 1_000)).toBe(false);
    expect(await guard.claim('dpop:k:1', now + 180_000, now + 90_001)).toBe(true);
  });

  it('with Redis: a key claimed by one node is refused by another (separate in-process caches)', async () => {
    const nodeA = redisReplayGuard(new ReplayCache(), REDIS_URL, silent);
    const nodeB = redisReplayGuard(new ReplayCache(), REDIS_URL, silent);
    try {
      expect(await nodeA.ready(5_000)).toBe(true);
      expect(await nodeB.ready(5_000)).toBe(true);
      const key = `dpop:test:${randomBytes(12).toString('base64url')}`;
      const now = Date.now();
      expect(await nodeA.claim(key, now + 90_000, now)).toBe(true);
      expect(await nodeB.claim(key, now + 90_000, now)).toBe(false);
    } finally {
      await nodeA.close();
      await nodeB.close();
    }
  });

  it('with Redis unreachable: skips its check with a warning, keeps the in-process one, and answers at once', async () => {
    const warnings: unknown[] = [];
    const guard = redisReplayGuard(new ReplayCache(), 'redis://127.0.0.1:1', { warn: (...args: unknown[]) => warnings.push(args) });
    try {
      expect(await guard.ready(200)).toBe(false);
      const now = Date.now();
      // At once: in this turn of the event loop, waiting for no timer (not even Redis's command
      // timeout) and no socket; a queued command would answer only after one of them.
      expect(await withinThisTurn(guard.claim('dpop:k:down', now + 90_000, now))).toBe(true);
      expect(await withinThisTurn(guard.claim('dpop:k:down', now + 90_000, now))).toBe(false);
      expect(warnings.length).toBeGreaterThan(0);
    } finally {
      await guard.close();
    }
  });
});
