/** Consumed queue slots kept before the queue is compacted (then at least half of it is consumed). */
const QUEUE_COMPACT_AFTER = 4_096;

/**
 * Keys, each until its expiry (ms since the epoch): the record behind a single-use check (RFC 9449
 * §11.1 proof `jti`s here, `DpopJtiCache`; client assertions and proofs at the authorization
 * server). It holds no policy: callers decide what a live key means and what to do when full.
 *
 * Every step is O(1) amortised. Keys are queued in arrival order, which is nearly expiry order
 * (each credential's window is fixed), so expired keys are taken from the queue's front. The queue
 * is an array with a moving head, not the map's own order: a map iterator starts at the first slot
 * and steps over every slot deleted since the map was last rehashed, so taking the front of a map
 * whose old keys keep expiring cost ~10-100 µs per key once a few hundred thousand were held
 * (measured: 90 s of proofs at 4,000 a second). A key behind a longer-lived one waits for it.
 */
export class ExpiringKeys {
  /** Key to expiry: the record. */
  private readonly expiries = new Map<string, number>();
  /** Keys in arrival order from `head`; a slot whose expiry no longer matches the map's is stale. */
  private queueKeys: (string | undefined)[] = [];
  private queueExpiries: number[] = [];
  private head = 0;

  /** The key's expiry, or undefined if it is not held (never added, or dropped). */
  expiryOf(key: string): number | undefined {
    return this.expiries.get(key);
  }

  /** Holds `key` until `expiresAt`, replacing what was held for it. */
  set(key: string, expiresAt: number): void {
    this.expiries.set(key, expiresAt);
    this.queueKeys.push(key);
    this.queueExpiries.push(expiresAt);
  }

  /**
   * Drops up to `limit` keys that expired at or before `now`, oldest arrival first, stopping at
   * the first live one. Returns how many went.
   */
  dropExpired(now: number, limit = Number.POSITIVE_INFINITY): number {
    let dropped = 0;
    while (dropped < limit && this.head < this.queueKeys.length && (this.queueExpiries[this.head] as number) <= now) {
      if (this.dropFront()) dropped += 1;
    }
    this.compactQueue();
    return dropped;
  }

  /** Drops the oldest key still held, live or not; false if none is. */
  dropOldest(): boolean {
    while (this.head < this.queueKeys.length) {
      if (this.dropFront()) {
        this.compactQueue();
        return true;
      }
    }
    return false;
  }

  /** Drops every expired key, wherever it waits (a full scan: for a full record, rarely). */
  sweep(now: number): void {
    // Their queue slots go stale (the map no longer holds them) and are skipped at the front.
    for (const [key, expiresAt] of this.expiries) if (expiresAt <= now) this.expiries.delete(key);
  }

  /** Every key held, with its expiry. */
  entries(): IterableIterator<[string, number]> {
    return this.expiries.entries();
  }

  get size(): number {
    return this.expiries.size;
  }

  /** Takes the queue's front slot; drops its key if the map still holds it with that expiry. */
  private dropFront(): boolean {
    const key = this.queueKeys[this.head] as string;
    const expiresAt = this.queueExpiries[this.head] as number;
    this.queueKeys[this.head] = undefined;
    this.head += 1;
    // A key set again since has a newer slot; this one is stale.
    if (this.expiries.get(key) !== expiresAt) return false;
    this.expiries.delete(key);
    return true;
  }

  private compactQueue(): void {
    if (this.head < QUEUE_COMPACT_AFTER || this.head * 2 < this.queueKeys.length) return;
    this.queueKeys = this.queueKeys.slice(this.head);
    this.queueExpiries = this.queueExpiries.slice(this.head);
    this.head = 0;
  }
}
