import { FetchError } from '../net/fetch-error.js';
import type { GuardedPost } from '../net/guarded-post.js';

/** Waits before the second, third and fourth attempt of one delivery (ms). */
export const DELIVERY_RETRY_DELAYS_MS: readonly number[] = [1_000, 5_000, 30_000];

/** Refusals another attempt cannot change: the URL itself is wrong for the SSRF guard. */
const PERMANENT = new Set(['url', 'scheme', 'address', 'dns', 'redirect']);

/** One message to deliver, and what to do once it arrived or was given up on. */
export interface Delivery {
  url: string;
  body: string;
  contentType: string;
  headers: Readonly<Record<string, string>>;
  /** Called once: `ok`, or the last failure's code, after `attempts` attempts. */
  settled(outcome: { ok: true; attempts: number } | { ok: false; attempts: number; code: string }): Promise<void>;
}

/**
 * POSTs approval notifications (CIBA ping callbacks, the approval webhook) under the SSRF guard,
 * retrying a failure that another attempt may cure after each of `retryDelaysMs`. Returns at once;
 * `close()` cancels pending retries and waits for attempts in flight.
 */
export class RetryingDelivery {
  readonly #post: GuardedPost;
  readonly #delays: readonly number[];
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #inFlight = new Set<Promise<void>>();
  #closed = false;
  /** Deliveries not yet settled (in flight or waiting for a retry), and who waits for none. */
  #pending = 0;
  #idle: (() => void)[] = [];

  constructor(post: GuardedPost, retryDelaysMs: readonly number[] = DELIVERY_RETRY_DELAYS_MS) {
    this.#post = post;
    this.#delays = retryDelaysMs;
  }

  /** Starts delivering; returns at once. */
  deliver(delivery: Delivery): void {
    this.#pending += 1;
    const settled = delivery.settled;
    this.#attempt(
      {
        ...delivery,
        settled: async (outcome) => {
          try {
            await settled(outcome);
          } finally {
            this.#pending -= 1;
            if (this.#pending === 0) for (const resolve of this.#idle.splice(0)) resolve();
          }
        },
      },
      0,
    );
  }

  /** Deliveries started and not yet settled (in flight or waiting for a retry): a caller bounds its queue with it. */
  get pending(): number {
    return this.#pending;
  }

  /** Resolves once every delivery started has settled: arrived, or given up after its retries (tests). */
  idle(): Promise<void> {
    return this.#pending === 0 ? Promise.resolve() : new Promise((resolve) => this.#idle.push(resolve));
  }

  /** Cancels pending retries and waits for the attempts in flight (each bounded by its timeout). */
  async close(): Promise<void> {
    this.#closed = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    await Promise.all([...this.#inFlight]);
    // Cancelled retries settle nothing: release whoever waits.
    this.#pending = 0;
    for (const resolve of this.#idle.splice(0)) resolve();
  }

  #attempt(delivery: Delivery, attempt: number): void {
    const run = this.#post(delivery.url, delivery.body, delivery.contentType, delivery.headers)
      .then(
        () => delivery.settled({ ok: true, attempts: attempt + 1 }),
        async (error: unknown) => {
          const code = error instanceof FetchError ? error.code : 'network';
          const delay = this.#delays[attempt];
          if (!this.#closed && delay !== undefined && !PERMANENT.has(code)) {
            const timer = setTimeout(() => {
              this.#timers.delete(timer);
              this.#attempt(delivery, attempt + 1);
            }, delay);
            timer.unref();
            this.#timers.add(timer);
            return;
          }
          await delivery.settled({ ok: false, attempts: attempt + 1, code });
        },
      )
      .catch(() => undefined)
      .finally(() => this.#inFlight.delete(run));
    this.#inFlight.add(run);
  }
}
