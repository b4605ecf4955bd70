import type { FailureWindows, WindowCount } from './failure-windows.js';

/**
 * Where failed authentications are counted: in this process ({@link memoryFailureCounter}) or in
 * Redis, shared by every node (`redisFailureCounter`). Fixed windows: a key's window opens at its
 * first failure and lasts the window length; its count then starts again from zero.
 */
export interface FailureCounter {
  /**
   * Counts one failure under each key, atomically per key; resolves each key's window, in the
   * order given. Rejects when the counter cannot be reached (the caller then counts in memory).
   */
  increment(keys: readonly string[], now: number): Promise<WindowCount[]>;
  close(): Promise<void>;
}

/** A counter over this process's {@link FailureWindows}. */
export function memoryFailureCounter(windows: FailureWindows): FailureCounter {
  return {
    increment: (keys, now) => Promise.resolve(keys.map((key) => windows.increment(key, now))),
    close: () => Promise.resolve(),
  };
}
