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
/** Consumed queue slots kept before the queue is compacted (then at least half of it is consumed). */
const QUEUE_COMPACT_AFTER = 4_096;

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
 * Every step is O(1) amortised. Claims are queued in arrival order, which is nearly expiry order,
 * and expired ones are dropped from the queue's front as new ones arrive. The queue is an array
 * with a moving head, not the map's own order: a map iterator starts at the first slot and steps
 * over every slot deleted since the map was last rehashed, so taking the front of a map whose old
 * entries keep expiring cost 20-100 µs per claim once ~360,000 were live (90 s of DPoP proofs at
 * 4,000/s), measured. Only a full `'refuse'` cache scans the map, at most once a second, for
 * expired entries waiting behind live ones.
 */
export class ReplayCache {
  /** Key to expiry (ms): the record. */
  private readonly entries = new Map<string, number>();
  /** Claims in arrival order, from `head`; a slot whose expiry no longer matches the map's is stale. */
  private queueKeys: (string | undefined)[] = [];
  private queueExpiries: number[] = [];
  private head = 0;
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
    if (previous !== undefined && previous > now) return false;
    // Two out for each one in: expired entries never pile up while entries keep arriving.
    this.dropExpiredFront(now, 2);
    if (previous === undefined && this.entries.size >= this.maxEntries) this.makeRoom(now);
    this.entries.set(key, expiresAt);
    this.queueKeys.push(key);
    this.queueExpiries.push(expiresAt);
    return true;
  }

  /**
   * Forgets the entries that expired before `now`, oldest first, stopping at the first live one:
   * an entry behind a longer-lived one waits for it (the cache stays bounded by `maxEntries`).
   */
  evictExpired(now: number): void {
    this.dropExpiredFront(now, Number.POSITIVE_INFINITY);
  }

  /** The entries still live at `now`: what a process hands over at shutdown. */
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
      // Full of live entries: drop the oldest one still recorded; the store remains authoritative.
      while (this.head < this.queueKeys.length) if (this.dropFront()) return;
      return;
    }
    if (now - this.lastFullSweep >= FULL_SWEEP_INTERVAL_MS) {
      this.lastFullSweep = now;
      // Their queue slots go stale (the map no longer holds them) and are skipped at the front.
      for (const [key, expiresAt] of this.entries) if (expiresAt <= now) this.entries.delete(key);
    }
    if (this.entries.size >= this.maxEntries) throw new ReplayCacheFullError(`replay cache full: ${this.maxEntries} live entries`);
  }

  private dropExpiredFront(now: number, limit: number): void {
    let dropped = 0;
    while (this.head < this.queueKeys.length && dropped < limit && (this.queueExpiries[this.head] as number) <= now) {
      if (this.dropFront()) dropped += 1;
    }
    this.compactQueue();
  }

  /** Takes the queue's front slot; forgets its key if the map still holds it with that expiry. */
  private dropFront(): boolean {
    const key = this.queueKeys[this.head] as string;
    const expiresAt = this.queueExpiries[this.head] as number;
    this.queueKeys[this.head] = undefined;
    this.head += 1;
    // A key claimed again after it expired has a newer slot; this one is stale.
    if (this.entries.get(key) !== expiresAt) return false;
    this.entries.delete(key);
    return true;
  }

  private compactQueue(): void {
    if (this.head < QUEUE_COMPACT_AFTER || this.head * 2 < this.queueKeys.length) return;
    this.queueKeys = this.queueKeys.slice(this.head);
    this.queueExpiries = this.queueExpiries.slice(this.head);
    this.head = 0;
  }
}
