import { ExpiringKeys } from '@agentauth/resource-server';
import type { ReplayClaim } from '../store/ports/replay-claim-store.js';

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
 *   single-process SQLite server, oauth/dpop/dpop-single-use-authority.ts). It never forgets a live entry: when full of live
 *   ones, `claim` throws {@link ReplayCacheFullError} and the caller refuses the request.
 *
 * Every step is O(1) amortised ({@link ExpiringKeys}): expired entries are dropped from the front
 * of the arrival order as new ones arrive. Only a full `'refuse'` cache scans its entries, at most
 * once a second, for expired ones waiting behind live ones.
 */
export class ReplayCache {
  private readonly keys = new ExpiringKeys();
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
    const previous = this.keys.expiryOf(key);
    if (previous !== undefined && previous > now) return false;
    // Two out for each one in: expired entries never pile up while entries keep arriving.
    this.keys.dropExpired(now, 2);
    if (previous === undefined && this.keys.size >= this.maxEntries) this.makeRoom(now);
    this.keys.set(key, expiresAt);
    return true;
  }

  /**
   * Forgets the entries that expired before `now`, oldest first, stopping at the first live one:
   * an entry behind a longer-lived one waits for it (the cache stays bounded by `maxEntries`).
   */
  evictExpired(now: number): void {
    this.keys.dropExpired(now);
  }

  /** The entries still live at `now`: what a process hands over at shutdown. */
  liveClaims(now: number): ReplayClaim[] {
    const out: ReplayClaim[] = [];
    for (const [key, expiresAt] of this.keys.entries()) if (expiresAt > now) out.push({ key, expiresAt });
    return out;
  }

  get size(): number {
    return this.keys.size;
  }

  private makeRoom(now: number): void {
    if (this.whenFull === 'forget-oldest') {
      // Full of live entries: drop the oldest insertion; the store remains authoritative.
      this.keys.dropOldest();
      return;
    }
    if (now - this.lastFullSweep >= FULL_SWEEP_INTERVAL_MS) {
      this.lastFullSweep = now;
      this.keys.sweep(now);
    }
    if (this.keys.size >= this.maxEntries) throw new ReplayCacheFullError(`replay cache full: ${this.maxEntries} live entries`);
  }
}
