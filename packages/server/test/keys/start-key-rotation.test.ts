import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SigningKeyRing } from '../../src/keys/signing-key-ring.js';
import { startKeyRotation } from '../../src/keys/start-key-rotation.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** Only `sync` matters to the scheduler; each call waits until the test settles it. */
function ringWithControlledSync() {
  const pending: { resolve: () => void; reject: (error: Error) => void }[] = [];
  const ring = {
    sync: () => new Promise<void>((resolve, reject) => pending.push({ resolve, reject })),
  } as unknown as SigningKeyRing;
  return { ring, pending };
}

describe('startKeyRotation', () => {
  it('syncs every interval, never two at once, reports failures, and stops', async () => {
    const { ring, pending } = ringWithControlledSync();
    const errors: unknown[] = [];
    const stop = startKeyRotation(ring, 10_000, (error) => errors.push(error));

    await vi.advanceTimersByTimeAsync(10_000);
    expect(pending).toHaveLength(1);
    // The first sync is still running: the next tick does not start another.
    await vi.advanceTimersByTimeAsync(10_000);
    expect(pending).toHaveLength(1);

    pending[0]?.reject(new Error('database unavailable'));
    await vi.advanceTimersByTimeAsync(10_000);
    expect(errors).toEqual([new Error('database unavailable')]);
    expect(pending).toHaveLength(2);

    pending[1]?.resolve();
    stop();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(pending).toHaveLength(2);
  });

  it('refuses an interval longer than the retired-key margin allows', () => {
    const { ring } = ringWithControlledSync();
    expect(() => startKeyRotation(ring, 60_001, () => undefined)).toThrow(TypeError);
    expect(() => startKeyRotation(ring, 0, () => undefined)).toThrow(TypeError);
  });
});
