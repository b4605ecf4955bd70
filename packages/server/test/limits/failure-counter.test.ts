import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { memoryFailureCounter, type FailureCounter } from '../../src/limits/failure-counter.js';
import { FailureWindows } from '../../src/limits/failure-windows.js';
import { redisFailureCounter } from '../../src/limits/redis-failure-counter.js';
import { failureCounterContract } from './failure-counter-contract.js';

const REDIS_URL = process.env.AGENTAUTH_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const WINDOW_MS = 60_000;
const silent = { warn: () => undefined };

describe('in-memory failure counter', () => {
  failureCounterContract(async () => {
    const windows = new FailureWindows(WINDOW_MS);
    const counter = memoryFailureCounter(windows);
    const now = Date.UTC(2026, 0, 1);
    return { counter, sibling: counter, key: (name) => name, now, windowMs: WINDOW_MS, endWindows: async () => now + WINDOW_MS };
  });
});

describe('Redis failure counter', () => {
  const opened: FailureCounter[] = [];
  const raw = new Redis(REDIS_URL, { lazyConnect: true });
  afterAll(async () => {
    await Promise.all(opened.map((c) => c.close()));
    raw.disconnect();
  });

  const open = async (keyPrefix: string) => {
    // The contract is about counts, not speed: a loaded machine must not time a command out.
    const counter = redisFailureCounter({ redisUrl: REDIS_URL, windowMs: WINDOW_MS, keyPrefix, commandTimeoutMs: 5_000, logger: silent });
    opened.push(counter);
    expect(await counter.ready(5_000)).toBe(true);
    return counter;
  };

  failureCounterContract(async () => {
    const prefix = `agentauth:test:limit:${randomBytes(6).toString('hex')}:`;
    const [counter, sibling] = [await open(prefix), await open(prefix)];
    const now = Date.now();
    return {
      counter,
      sibling,
      key: (name) => name,
      now,
      windowMs: WINDOW_MS,
      // Redis times the windows itself: ending them is removing their keys, as their expiry would.
      endWindows: async () => {
        const keys = await raw.keys(`${prefix}*`);
        if (keys.length > 0) await raw.del(...keys);
        return now + WINDOW_MS;
      },
    };
  });

  it('never leaves a key without its expiry', async () => {
    const prefix = `agentauth:test:limit:${randomBytes(6).toString('hex')}:`;
    const counter = await open(prefix);
    await counter.increment(['a', 'b'], Date.now());
    await raw.persist(`${prefix}b`);
    await counter.increment(['a', 'b'], Date.now());
    for (const key of ['a', 'b']) {
      const ttl = await raw.pttl(`${prefix}${key}`);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(WINDOW_MS);
    }
  });

  it('rejects at once when Redis cannot be reached, so the caller counts in memory', async () => {
    const counter = redisFailureCounter({ redisUrl: 'redis://127.0.0.1:1', windowMs: WINDOW_MS, logger: silent });
    opened.push(counter);
    expect(await counter.ready(100)).toBe(false);
    await expect(counter.increment(['a'], Date.now())).rejects.toThrow(/redis is/);
  });
});
