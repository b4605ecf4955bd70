/**
 * An in-process first line of defence against replayed `jti`s: it rejects a replay in the same
 * process before any signature work is spent on it. It is NOT the authority — the conditional
 * insert in the group commit is (`CommitStore.commitUnits`), which also covers other processes
 * and nodes — so a full cache may forget entries without opening a hole.
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
    if (previous !== undefined && previous > now) return false;
    if (this.entries.size >= this.maxEntries) this.evictExpired(now);
    if (this.entries.size >= this.maxEntries) {
      // Still full of live entries: drop the oldest insertion; the store remains authoritative.
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(key, expiresAt);
    return true;
  }

  /** Forgets entries that expired before `now`. */
  evictExpired(now: number): void {
    for (const [key, expiresAt] of this.entries) if (expiresAt <= now) this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }
}
