/**
 * An in-process first line of defence against replayed `jti`s: it rejects a replay in the same
 * process before any signature work is spent on it. It is NOT the authority — the conditional
 * insert in the group commit is (`CommitStore.commitUnits`), which also covers other processes
 * and nodes — so a full cache may forget entries without opening a hole.
 *
 * Every step is O(1) amortised: the map keeps insertion order, which is nearly expiry order, so
 * expired entries are dropped from its front as new ones arrive, never by scanning it. (A scan of
 * every entry whenever the cache was full cost one pass over 500,000 entries per token request
 * once a server had issued tokens at a few thousand a second for a few minutes.)
 */
export class ReplayCache {
  private readonly entries = new Map<string, number>();

  constructor(private readonly maxEntries = 500_000) {}

  /**
   * Records `key` until `expiresAt` (ms). Returns false if it was already recorded and not yet
   * expired at `now`. One synchronous step, so two requests in this process cannot both win.
   */
  claim(key: string, expiresAt: number, now: number): boolean {
    const previous = this.entries.get(key);
    if (previous !== undefined) {
      if (previous > now) return false;
      this.entries.delete(key); // re-inserted at the back, in its new expiry's place
    }
    // Two out for each one in: expired entries never pile up while entries keep arriving.
    this.dropExpiredFront(now, 2);
    if (this.entries.size >= this.maxEntries) {
      // Full of live entries: drop the oldest insertion; the store remains authoritative.
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
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

  get size(): number {
    return this.entries.size;
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
