/** Process exit statuses of `agentauth` (docs/cli.md). */
export const EXIT_OK = 0;
/** The operation failed: the server said no, or `audit verify` found a broken chain. */
export const EXIT_FAILED = 1;
/** The command line was wrong: unknown command or flag, missing argument. */
export const EXIT_USAGE = 2;
/** The server could not be reached: refused, unknown host, TLS failure, timeout. */
export const EXIT_UNREACHABLE = 3;

/**
 * The `code`s of the CLI's own `--json` errors (docs/cli.md, "Errors"), beside the admin API's
 * problem codes and OAuth `error` codes it passes on. A test keeps the docs and this list equal.
 */
export const CLI_ERROR_CODES = [
  'usage',
  'connection_refused',
  'dns_failure',
  'tls_verification_failed',
  'tls_failed',
  'timeout',
  'connection_failed',
  'unexpected_response',
  'audit_chain_broken',
  'audit_log_truncated',
  'audit_log_rewritten',
  'audit_checkpoint_invalid',
  'cancelled',
  'secrets_found',
  'failed',
] as const;

/** One of {@link CLI_ERROR_CODES}. */
export type CliErrorCode = (typeof CLI_ERROR_CODES)[number];

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
 * A command ran and its answer is a failure the user must act on (e.g. `audit verify` found the
 * chain broken). Exit status 1; `code` is the stable code of the `--json` error (docs/cli.md).
 */
export class CommandFailedError extends Error {
  override readonly name = 'CommandFailedError';
  readonly code: CliErrorCode;

  constructor(code: CliErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

/** Why no HTTP answer came, as far as the system error tells. */
export type UnreachableKind = Extract<CliErrorCode, 'connection_refused' | 'dns_failure' | 'tls_verification_failed' | 'tls_failed' | 'timeout' | 'connection_failed'>;

/**
 * Node's codes for a server certificate that does not verify (OpenSSL X509_V_ERR_* names, and
 * the host name check's own).
 */
const CERTIFICATE_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_REVOKED',
  'CERT_SIGNATURE_FAILURE',
  'CERT_CHAIN_TOO_LONG',
  'INVALID_CA',
  'INVALID_PURPOSE',
  'HOSTNAME_MISMATCH',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

function kindOf(reason: string | undefined): UnreachableKind {
  if (reason === undefined) return 'connection_failed';
  if (reason === 'ECONNREFUSED') return 'connection_refused';
  if (reason === 'ENOTFOUND' || reason === 'EAI_AGAIN' || reason === 'EAI_NONAME') return 'dns_failure';
  if (CERTIFICATE_CODES.has(reason)) return 'tls_verification_failed';
  if (reason === 'EPROTO' || reason.startsWith('ERR_SSL_') || reason.startsWith('ERR_TLS_')) return 'tls_failed';
  if (reason === 'ETIMEDOUT' || reason === 'UND_ERR_CONNECT_TIMEOUT') return 'timeout';
  return 'connection_failed';
}

/**
 * fetch failed before any HTTP answer (refused, DNS, TLS). Exit status 3. The message names the
 * URL's origin only: never a path, query, userinfo or the admin token.
 */
export class ServerUnreachableError extends Error {
  override readonly name = 'ServerUnreachableError';
  readonly origin: string;
  /** The system error code, e.g. ECONNREFUSED or SELF_SIGNED_CERT_IN_CHAIN, when there is one. */
  readonly reason: string | undefined;
  readonly kind: UnreachableKind;

  constructor(origin: string, reason: string | undefined) {
    const kind = kindOf(reason);
    const code = reason === undefined ? '' : ` (${reason})`;
    const host = URL.canParse(origin) ? new URL(origin).hostname : origin;
    const messages: Record<UnreachableKind, string> = {
      connection_refused: `connection refused by ${origin}${code}`,
      dns_failure: `cannot resolve the host name ${host}${code}`,
      tls_verification_failed: `TLS certificate verification failed for ${origin}${code}`,
      tls_failed: `TLS handshake with ${origin} failed${code}`,
      timeout: `timed out connecting to ${origin}${code}`,
      connection_failed: `cannot reach ${origin}${code}`,
    };
    super(messages[kind]);
    this.origin = origin;
    this.reason = reason;
    this.kind = kind;
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
    if (typeof code === 'string' && /^[A-Z_0-9]+$/.test(code)) return code;
    current = current.cause;
  }
  return undefined;
}
