/** One hour and one day, ms. */
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/**
 * Counts in fixed time buckets with an exponentially weighted moving average (EWMA) of the closed
 * buckets, empty ones included, so a quiet stretch lowers the baseline as it should. With `slots`
 * 24 and hour buckets the average is kept per hour of day (UTC): 14:00-15:00 is compared with the
 * same hour of earlier days only. The weight `alpha` is 2 / (span + 1) for a span of `spanBuckets`
 * of the same slot (the usual EWMA of an N-period window). The average starts from zero and is
 * divided by the weight its buckets have had so far (1 - (1 - alpha)^n, the bias correction of an
 * EWMA started at zero), so in its first days it is the plain weighted mean of what was seen,
 * and a single busy first bucket does not stand for the agent's habit for weeks.
 */
export class RateBuckets {
  readonly #width: number;
  readonly #alpha: number;
  /** The EWMA of each slot, started at zero (before bias correction). */
  readonly averages: number[];
  /** Buckets closed of each slot, for the bias correction (capped: past it the correction is 1). */
  readonly #closed: number[];
  /** Start of the open bucket (ms), and its count. */
  start = -1;
  count = 0;
  /** The highest severity rank (1 low, 2 medium, 3 high) the open bucket has raised: each at most once per bucket. */
  flagged = 0;

  constructor(widthMs: number, slots: number, spanBuckets: number) {
    this.#width = widthMs;
    this.#alpha = 2 / (spanBuckets + 1);
    this.averages = new Array<number>(slots).fill(0);
    this.#closed = new Array<number>(slots).fill(0);
  }

  /** The slot (hour of day, or 0) of the bucket starting at `start`. */
  slotOf(start: number): number {
    return Math.floor(start / this.#width) % this.averages.length;
  }

  /** Moves to the bucket holding `time` (closing the open one and any empty ones since), then adds `n`. */
  add(time: number, n = 1): void {
    const start = time - (time % this.#width);
    if (this.start < 0) this.start = start;
    else if (start > this.start) {
      // Close at most one span of empty buckets per slot: older ones weigh nothing any more.
      const gap = Math.min((start - this.start) / this.#width, this.averages.length * 60);
      for (let i = 0; i < gap; i += 1) {
        const slot = this.slotOf(this.start + i * this.#width);
        const value = i === 0 ? this.count : 0;
        this.averages[slot] = this.#alpha * value + (1 - this.#alpha) * (this.averages[slot] as number);
        this.#closed[slot] = Math.min((this.#closed[slot] as number) + 1, 100_000);
      }
      this.start = start;
      this.count = 0;
      this.flagged = 0;
    }
    // A record older than the open bucket (a batch committed late) counts in the open one.
    this.count += n;
  }

  /** The usual count of the open bucket's slot (0 before any bucket of it closed). */
  usual(): number {
    return this.#corrected(this.slotOf(this.start));
  }

  /** The mean of every slot's usual count: the usual hourly rate over a whole day. */
  usualOverAll(): number {
    let sum = 0;
    for (let slot = 0; slot < this.averages.length; slot += 1) sum += this.#corrected(slot);
    return sum / this.averages.length;
  }

  #corrected(slot: number): number {
    const n = this.#closed[slot] as number;
    return n === 0 ? 0 : (this.averages[slot] as number) / (1 - (1 - this.#alpha) ** n);
  }
}
