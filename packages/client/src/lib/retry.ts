/** How {@link withRetry} backs off. */
export interface RetryPolicy {
  /** Attempts in all, the first included (default 4). */
  attempts: number;
  /** First delay, doubled at every retry, with full jitter (default 200 ms). */
  baseDelayMs: number;
  /** Longest single delay (default 5 s). */
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 200, maxDelayMs: 5_000 };

/** A failure worth another attempt: the network, or a 5xx answer. */
export class RetryableError extends Error {
  override readonly name = 'RetryableError';
  constructor(
    message: string,
    /** The last 5xx response's status, when there was one. */
    readonly status: number | undefined,
  ) {
    super(message);
  }
}

/**
 * Runs `attempt` until it succeeds, it throws anything but a {@link RetryableError} (a 4xx, our
 * own TypeError: never retried), or the attempts run out; waits between attempts with
 * exponential backoff and full jitter (so a fleet restarting together does not stampede).
 */
export async function withRetry<T>(attempt: () => Promise<T>, policy: RetryPolicy, sleep: (ms: number) => Promise<void>, random: () => number = Math.random): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof RetryableError) || i >= policy.attempts) throw error;
      const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (i - 1));
      await sleep(Math.round(ceiling / 2 + (random() * ceiling) / 2));
    }
  }
}

/**
 * `fetch`, with network failures turned into {@link RetryableError} (the message names the URL's
 * origin, not its query) and 5xx answers too (their body is discarded).
 */
export async function fetchRetryable(doFetch: typeof fetch, url: string | URL, init: RequestInit): Promise<Response> {
  let response: Response;
  try {
    response = await doFetch(url, init);
  } catch (error) {
    if (init.signal?.aborted === true) throw error;
    throw new RetryableError(`request to ${new URL(url).origin} failed: ${(error as Error).message}`, undefined);
  }
  if (response.status >= 500) {
    await response.body?.cancel();
    throw new RetryableError(`${new URL(url).origin} answered HTTP ${response.status}`, response.status);
  }
  return response;
}
