/**
 * Reads a change counter (or version) every `intervalMs` and calls `onChange` when it differs from
 * what this process last loaded: how a node learns of changes other nodes committed to the shared
 * database (trusted issuers, policy sets). A failed read is reported and retried next tick; the
 * state in memory stays as it was. Returns a stop function.
 */
export function pollForChange(options: {
  read: () => Promise<number>;
  /** What this process has loaded; undefined before the first load. */
  loaded: () => number | undefined;
  onChange: () => Promise<void>;
  intervalMs: number;
  onError: (error: unknown) => void;
}): () => void {
  const timer = setInterval(() => {
    options
      .read()
      .then((value) => (value !== options.loaded() ? options.onChange() : undefined))
      .catch(options.onError);
  }, options.intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
