import { describe, expect, it } from 'vitest';
import { FailureWindows } from '../../src/limits/failure-windows.js';

const W = 60_000;
const T0 = Date.UTC(2026, 0, 1);

describe('FailureWindows', () => {
  it('holds nothing, and says so cheaply, until a failure arrives', () => {
    const windows = new FailureWindows(W);
    expect(windows.empty).toBe(true);
    expect(windows.get('a', T0)).toBeUndefined();
    windows.increment('a', T0);
    expect(windows.empty).toBe(false);
  });

  it('keeps a window across the rotation of its generation until it ends', () => {
    const windows = new FailureWindows(W);
    windows.increment('first', T0);
    windows.increment('a', T0 + W / 2);
    // Rotation: `a` moves to the older generation, still live until T0 + 1.5 W.
    windows.increment('b', T0 + W + 1);
    expect(windows.get('a', T0 + W + 1)).toEqual({ count: 1, resetAt: T0 + W / 2 + W });
    expect(windows.increment('a', T0 + W + 2).count).toBe(2);
    expect(windows.get('a', T0 + W / 2 + W)).toBeUndefined();
    // Two windows on, everything from the first generation is gone from memory too.
    windows.increment('c', T0 + 2 * W + 2);
    windows.increment('d', T0 + 5 * W);
    expect(windows.size).toBe(1);
  });

  it('stays within its bound however many keys an attacker rotates through, forgetting the oldest first', () => {
    const windows = new FailureWindows(W, 1_000);
    for (let i = 0; i < 100_000; i += 1) windows.increment(`agt_${i}`, T0 + i);
    expect(windows.size).toBeLessThanOrEqual(1_000);
    expect(windows.get('agt_99999', T0 + 100_000)?.count).toBe(1);
    expect(windows.get('agt_0', T0 + 100_000)).toBeUndefined();
  });

  it('takes over a shared count, never holding it beyond one window', () => {
    const windows = new FailureWindows(W);
    windows.observe('k', { count: 7, resetAt: T0 + 10 * W }, T0);
    expect(windows.get('k', T0)).toEqual({ count: 7, resetAt: T0 + W });
    windows.observe('k', { count: 5, resetAt: T0 + W }, T0 + 1);
    expect(windows.get('k', T0 + 1)?.count).toBe(7);
    windows.observe('gone', { count: 3, resetAt: T0 }, T0);
    expect(windows.get('gone', T0)).toBeUndefined();
  });

  it('refuses a window length or bound it cannot keep', () => {
    expect(() => new FailureWindows(0)).toThrow(TypeError);
    expect(() => new FailureWindows(W, 1)).toThrow(TypeError);
  });
});
