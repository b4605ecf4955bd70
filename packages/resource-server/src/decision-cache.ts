/**
 * Recent access decisions by question, each kept `ttlMs` from when it was answered: a service
 * asks the same question many times a second, and a decision a few seconds old is what the PDP
 * would say again unless a policy or the registry changed in between (the staleness this cache
 * accepts, and `ttlMs` bounds). Bounded: when full, the oldest entry goes first. O(1) per call.
 */
export class DecisionCache {
  private readonly entries = new Map<string, { decision: boolean; until: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
  ) {}

  /** The decision on `key` if it is fresh at `now`. */
  get(key: string, now: number): boolean | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.until <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.decision;
  }

  /** Remembers `decision` on `key` until `now + ttlMs`. */
  set(key: string, decision: boolean, now: number): void {
    if (this.ttlMs === 0) return;
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(key, { decision, until: now + this.ttlMs });
  }

  /** Forgets every decision (after a policy change the service knows of). */
  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
