/** Process exit statuses of `agentauth` (docs/cli.md). */
export const EXIT_OK = 0;
/** The operation failed: the server said no, or `audit verify` found a broken chain. */
export const EXIT_FAILED = 1;
/** The command line was wrong: unknown command or flag, missing argument. */
export const EXIT_USAGE = 2;
/** The server could not be reached. */
export const EXIT_UNREACHABLE = 3;

/** The user typed something the CLI cannot run. Exit status 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  /** The command whose help to point to, e.g. `agents create`. */
  readonly command: string | undefined;

  constructor(message: string, command?: string) {
    super(message);
    this.command = command;
  }
}

/**
 * fetch failed before any HTTP answer (refused, DNS, TLS). Exit status 3. The message names the
 * URL's origin only: never a path, query, userinfo or the admin token.
 */
export class ServerUnreachableError extends Error {
  override readonly name = 'ServerUnreachableError';
  readonly origin: string;
  /** The system error code, e.g. ECONNREFUSED, when there is one. */
  readonly reason: string | undefined;

  constructor(origin: string, reason: string | undefined) {
    super(`cannot reach the agentauth server at ${origin}${reason === undefined ? '' : ` (${reason})`}`);
    this.origin = origin;
    this.reason = reason;
  }
}

/**
 * Wraps fetch so a network failure becomes a {@link ServerUnreachableError}; HTTP answers, of any
 * status, pass through. An abort is rethrown as is.
 */
export function reachableFetch(doFetch: typeof fetch): typeof fetch {
  return async (input, init) => {
    try {
      return await doFetch(input, init);
    } catch (error) {
      if (error instanceof Error && error.name === 'AbortError') throw error;
      const url = input instanceof Request ? new URL(input.url) : new URL(String(input));
      throw new ServerUnreachableError(url.origin, systemCode(error));
    }
  };
}

function systemCode(error: unknown): string | undefined {
  // undici reports `TypeError: fetch failed` with the system error as its cause.
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^[A-Z_]+$/.test(code)) return code;
    current = current.cause;
  }
  return undefined;
}
