/**
 * Long polls (RFC 8936 §2.4 `returnImmediately: false`) waiting on this node, by stream: when a
 * SET is queued here, its stream's waiters wake at once instead of at their next database check.
 */
export class PollWaiters {
  private readonly waiting = new Map<string, Set<() => void>>();
  #sequence = 0;

  /** Grows at every {@link notify}: a poller reads it before checking the queue, and looks again if it moved. */
  get sequence(): number {
    return this.#sequence;
  }

  /**
   * Resolves when {@link notify} names the stream, after `timeoutMs`, or when `signal` aborts,
   * whichever comes first. Never rejects.
   */
  wait(streamId: string, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal?.aborted === true) return resolve();
      let set = this.waiting.get(streamId);
      if (set === undefined) {
        set = new Set();
        this.waiting.set(streamId, set);
      }
      const waiters = set;
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        waiters.delete(done);
        if (waiters.size === 0 && this.waiting.get(streamId) === waiters) this.waiting.delete(streamId);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      signal?.addEventListener('abort', done, { once: true });
      waiters.add(done);
    });
  }

  /** Wakes every waiter of these streams. */
  notify(streamIds: Iterable<string>): void {
    this.#sequence++;
    for (const streamId of streamIds) {
      const set = this.waiting.get(streamId);
      if (set === undefined) continue;
      for (const wake of [...set]) wake();
    }
  }

  /** Wakes everyone (shutdown). */
  wakeAll(): void {
    this.notify([...this.waiting.keys()]);
  }
}
