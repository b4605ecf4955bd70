import type { ReplayClaim } from '../store/store.js';

/** What a full cache does with one more claim (see {@link ReplayCache}). */
export type WhenFull = 'forget-oldest' | 'refuse';

export interface ReplayCacheOptions {
  /** Entries kept at most. Default 500,000. */
  maxEntries?: number;
  /** Default `'forget-oldest'`. */
  whenFull?: WhenFull;
}

/** Thrown by a `'refuse'` cache full of live entries: the claim was NOT recorded; fail closed. */
export class ReplayCacheFullError extends Error {
  override readonly name = 'ReplayCacheFullError';
}

/** How often a full `'refuse'` cache may look through all its entries for expired ones, ms. */
const FULL_SWEEP_INTERVAL_MS = 1_000;

/**
 * `jti`s seen in this process, each until its expiry. Two uses, by `whenFull`:
 *
 * - `'forget-oldest'` (default): a first line of defence that rejects a replay in this process
 *   before any signature work is spent on it. It is NOT the authority — the conditional insert in
 *   the group commit is (`CommitStore.commitUnits`), which also covers other processes and nodes —
 *   so a full cache forgets its oldest entry without opening a hole.
 * - `'refuse'`: the authority itself, where one process sees every request (DPoP proofs on a
 *   single-process SQLite server, dpop-setup.ts). It never forgets a live entry: when full of live
 *   ones, `claim` throws {@link ReplayCacheFullError} and the caller refuses the request.
 *
 * Every step is O(1) amortised: the map keeps insertion order, which is nearly expiry order, so
 * expired entries are dropped from its front as new ones arrive, never by scanning it. (A scan of
 * every entry whenever the cache was full cost one pass over 500,000 entries per token request
 * once a server had issued tokens at a few thousand a second for a few minutes.) Only a full
 * `'refuse'` cache scans, at most once a second, for expired entries waiting behind live ones.
 */
export class ReplayCache {
  private readonly entries = new Map<string, number>();
  private readonly maxEntries: number;
  private readonly whenFull: WhenFull;
  private lastFullSweep = Number.NEGATIVE_INFINITY;

  constructor(options: ReplayCacheOptions = {}) {
    this.maxEntries = options.maxEntries ?? 500_000;
    this.whenFull = options.whenFull ?? 'forget-oldest';
    if (!Number.isInteger(this.maxEntries) || this.maxEntries < 1) throw new TypeError('maxEntries must be a positive integer');
  }

  /**
   * Records `key` until `expiresAt` (ms). Returns false if it was already recorded and not yet
   * expired at `now`. One synchronous step, so two requests in this process cannot both win.
   *
   * @throws ReplayCacheFullError when a `'refuse'` cache is full of live entries (nothing recorded).
   */
  claim(key: string, expiresAt: number, now: number): boolean {
    const previous = this.entries.get(key);
    if (previous !== undefined) {
      if (previous > now) return false;
      this.entries.delete(key); // re-inserted at the back, in its new expiry's place
    }
    // Two out for each one in: expired entries never pile up while entries keep arriving.
    this.dropExpiredFront(now, 2);
    if (this.entries.size >= this.maxEntries) this.makeRoom(now);
    this.entries.set(key, expiresAt);
    return true;
  }

  /**
   * Forgets the entries that expired before `now`, oldest first, stopping at the first live one:
   * an entry behind a longer-lived one waits for it (the cache stays bounded by `maxEntries`).
   */
  evictExpired(now: number): void {
    this.dropExpiredFront(now, Number.POSITIVE_INFINITY);
  }

  /** The entries still live at `now`, in insertion order: what a process hands over at shutdown. */
  liveClaims(now: number): ReplayClaim[] {
    const out: ReplayClaim[] = [];
    for (const [key, expiresAt] of this.entries) if (expiresAt > now) out.push({ key, expiresAt });
    return out;
  }

  get size(): number {
    return this.entries.size;
  }

  private makeRoom(now: number): void {
    if (this.whenFull === 'forget-oldest') {
      // Full of live entries: drop the oldest insertion; the store remains authoritative.
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
      return;
    }
    if (now - this.lastFullSweep >= FULL_SWEEP_INTERVAL_MS) {
      this.lastFullSweep = now;
      for (const [key, expiresAt] of this.entries) if (expiresAt <= now) this.entries.delete(key);
    }
    if (this.entries.size >= this.maxEntries) throw new ReplayCacheFullError(`replay cache full: ${this.maxEntries} live entries`);
  }

  private dropExpiredFront(now: number, limit: number): void {
    let dropped = 0;
    for (const [key, expiresAt] of this.entries) {
      if (expiresAt > now || dropped >= limit) return;
      this.entries.delete(key);
      dropped += 1;
    }
  }
}
