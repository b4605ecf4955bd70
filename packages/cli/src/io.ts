/** The server package's entry, as the CLI calls it (`agentauth start`). */
export interface ServerModule {
  /** Runs `start`/`migrate` with their flags; resolves to the process exit status. */
  runServer(argv: string[], env: NodeJS.ProcessEnv): Promise<number>;
}

/**
 * Everything the CLI touches outside itself. `main` takes it as an argument so tests run the
 * whole CLI in-process with captured output, a real HTTP server and no sleeping.
 */
export interface CliIo {
  /** Writes text to standard output as is (the caller adds newlines). */
  stdout(text: string): void;
  /** Writes text to standard error as is. */
  stderr(text: string): void;
  env: NodeJS.ProcessEnv;
  fetch: typeof fetch;
  /** Loads the server package; called only by `agentauth start`, so other commands stay fast. */
  loadServer(): Promise<ServerModule>;
  /** Resolves after `ms`, or at once when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** Aborted when the user interrupts; ends `audit tail --follow` cleanly. */
  signal?: AbortSignal;
  /** Standard error is a terminal: long commands (`scan`) show their progress there unasked. */
  stderrIsTerminal?: boolean;
  /** Asks a yes/no question on a terminal; absent when there is no terminal to ask on. */
  confirm?(question: string): Promise<boolean>;
  /** Reads standard input to its end (at most `maxBytes`); a password is passed this way, never as an argument others can see in `ps`. */
  readStdin?(maxBytes: number): Promise<string>;
}

/** Sleeps `ms` unless `signal` aborts first. */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });
}
