/** A key's failures in its current window. */
export interface WindowCount {
  /** Failures counted in the window so far. */
  readonly count: number;
  /** When the window ends (ms since the epoch); the count starts again from zero after it. */
  readonly resetAt: number;
}

interface MutableWindow {
  count: number;
  resetAt: number;
}

/** Keys held at most, by default: about 11 MB with 64-character keys (measured: ~230 bytes a key). */
export const DEFAULT_MAX_KEYS = 50_000;

/**
 * Fixed-window failure counts in this process, one window per key, each starting at the key's
 * first failure and lasting `windowMs`. Memory is bounded: an attacker rotating client ids or
 * addresses fills at most `maxKeys` entries.
 *
 * Windows are kept in two generations, `newer` (windows started since `newerSince`) and `older`
 * (started in the generation before). Every window lasts the same time, so when `newer` has been
 * current for a whole window every window in `older` has ended, and `older` is dropped in one step:
 * no per-key timers, no deletions, no scans. When `newer` is full before that, `older` is dropped
 * early: the windows nearest their end are forgotten first (their keys start counting afresh).
 */
export class FailureWindows {
  private older = new Map<string, MutableWindow>();
  private newer = new Map<string, MutableWindow>();
  private newerSince = Number.NEGATIVE_INFINITY;
  private readonly perGeneration: number;

  constructor(
    readonly windowMs: number,
    maxKeys: number = DEFAULT_MAX_KEYS,
  ) {
    if (!Number.isInteger(windowMs) || windowMs < 1) throw new TypeError('windowMs must be a positive integer');
    if (!Number.isInteger(maxKeys) || maxKeys < 2) throw new TypeError('maxKeys must be an integer of at least 2');
    this.perGeneration = Math.floor(maxKeys / 2);
  }

  /** True while no failure is held: the check every request makes, and all most requests pay. */
  get empty(): boolean {
    return this.newer.size === 0 && this.older.size === 0;
  }

  /** Keys held (live or ended, not yet dropped). */
  get size(): number {
    return this.newer.size + this.older.size;
  }

  /** The key's window if it has not ended at `now`. Reads only: never allocates or drops. */
  get(key: string, now: number): WindowCount | undefined {
    if (this.empty) return undefined;
    const window = this.newer.get(key) ?? this.older.get(key);
    return window !== undefined && window.resetAt > now ? window : undefined;
  }

  /** Counts one failure under `key`, opening a window if it has none; returns the window. */
  increment(key: string, now: number): WindowCount {
    this.rotate(now);
    const live = this.liveWindow(key, now);
    if (live !== undefined) {
      live.count += 1;
      return { count: live.count, resetAt: live.resetAt };
    }
    const opened = { count: 1, resetAt: now + this.windowMs };
    this.put(key, opened, now);
    return { ...opened };
  }

  /**
   * Takes over a count kept elsewhere (the shared counter) for `key`: this process then refuses
   * what that count says, without asking again. `resetAt` is capped at one window from `now`.
   */
  observe(key: string, count: WindowCount, now: number): void {
    this.rotate(now);
    const resetAt = Math.min(count.resetAt, now + this.windowMs);
    if (resetAt <= now) return;
    const live = this.liveWindow(key, now);
    if (live !== undefined && live.resetAt === resetAt) {
      live.count = Math.max(live.count, count.count);
      return;
    }
    this.older.delete(key);
    this.put(key, { count: count.count, resetAt }, now);
  }

  private liveWindow(key: string, now: number): MutableWindow | undefined {
    const window = this.newer.get(key) ?? this.older.get(key);
    return window !== undefined && window.resetAt > now ? window : undefined;
  }

  private put(key: string, window: MutableWindow, now: number): void {
    if (!this.newer.has(key) && this.newer.size >= this.perGeneration) {
      // Full: the older generation goes early, live or not.
      this.older = this.newer;
      this.newer = new Map();
      this.newerSince = now;
    }
    this.newer.set(key, window);
  }

  /**
   * Once `newer` has been current for a whole window, it becomes `older` and the generation before
   * it goes: each of its windows was opened before the last rotation and has ended a window after.
   */
  private rotate(now: number): void {
    if (now < this.newerSince + this.windowMs) return;
    // After two windows, even `newer` holds only ended windows.
    this.older = now < this.newerSince + 2 * this.windowMs ? this.newer : new Map();
    this.newer = new Map();
    this.newerSince = now;
  }
}
