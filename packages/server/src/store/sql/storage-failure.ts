import { StorageUnavailableError } from '../ports/storage-unavailable-error.js';

/**
 * The one list of driver errors that mean "storage cannot be reached or written for now"
 * (ARCHITECTURE.md, Storage), as opposed to a fault of the statement or of our code.
 *
 * PostgreSQL SQLSTATEs (Appendix A of its manual): class 08 (connection exception), 53
 * (insufficient resources: disk full, out of memory, too many connections), 57P01-57P05
 * (admin or crash shutdown, cannot connect now, database dropped, idle session timeout), 58
 * (system error: I/O).
 */
const POSTGRES_CLASSES = ['08', '53', '58'];
const POSTGRES_CODES = new Set(['57P01', '57P02', '57P03', '57P04', '57P05']);

/** Socket and file-system errors of Node itself (the pg socket, SQLite's own files). */
const SYSTEM_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN', 'EAI_AGAIN', 'ENOSPC', 'EIO', 'EROFS', 'EDQUOT']);

/**
 * SQLite result codes (better-sqlite3's `code`, extended codes included): the disk is full, an I/O
 * error, the file is locked by another process past `busy_timeout`, or cannot be opened.
 */
const SQLITE_PREFIXES = ['SQLITE_FULL', 'SQLITE_IOERR', 'SQLITE_BUSY', 'SQLITE_LOCKED', 'SQLITE_CANTOPEN', 'SQLITE_PROTOCOL', 'SQLITE_NOMEM'];

/**
 * What node-postgres and its pool throw, without a code, when the socket is gone or cannot be
 * made, and what Kysely throws once the pool is closed (a request racing shutdown).
 */
const LOST_CONNECTION = [
  /^Connection terminated/,
  /not queryable/,
  /^timeout exceeded when trying to connect/,
  /^Cannot use a pool after calling end on the pool/,
  /^driver has already been destroyed/,
];

function unavailableCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, message, errors } = error as { code?: unknown; message?: unknown; errors?: unknown };
  if (typeof code === 'string') {
    if (SYSTEM_CODES.has(code) || POSTGRES_CODES.has(code)) return code;
    if (/^[0-9A-Z]{5}$/.test(code) && POSTGRES_CLASSES.includes(code.slice(0, 2))) return code;
    if (SQLITE_PREFIXES.some((prefix) => code === prefix || code.startsWith(`${prefix}_`))) return code;
  }
  // A connection to a host name with several addresses fails with one error per address.
  if (Array.isArray(errors)) {
    for (const inner of errors) {
      const innerCode = unavailableCode(inner);
      if (innerCode !== undefined) return innerCode;
    }
  }
  if (typeof message === 'string' && LOST_CONNECTION.some((pattern) => pattern.test(message))) return 'connection_lost';
  return undefined;
}

/**
 * `error` as a `StorageUnavailableError` when it means storage cannot be reached or written,
 * else `error` itself, untouched (a constraint violation, a refusal of the domain, a bug).
 */
export function classifyStorageError(error: unknown): unknown {
  if (error instanceof StorageUnavailableError) return error;
  const code = unavailableCode(error);
  if (code === undefined) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new StorageUnavailableError(code, message.slice(0, 200), { cause: error });
}

/**
 * Every verb of `port` with its storage failures classified ({@link classifyStorageError}), so
 * the domain and the HTTP surfaces see one error type whatever the dialect. Verbs are
 * asynchronous; a synchronous throw is classified the same way.
 */
export function classifyingStorageErrors<P extends object>(port: P, onUnavailable: (error: StorageUnavailableError) => void): P {
  const wrapped: Record<string, unknown> = {};
  for (const [name, verb] of Object.entries(port)) {
    if (typeof verb !== 'function') {
      wrapped[name] = verb;
      continue;
    }
    const call = verb as (...args: unknown[]) => unknown;
    const fail = (error: unknown): never => {
      const classified = classifyStorageError(error);
      if (classified instanceof StorageUnavailableError) onUnavailable(classified);
      throw classified;
    };
    wrapped[name] = async (...args: unknown[]) => {
      try {
        return await call.apply(port, args);
      } catch (error) {
        return fail(error);
      }
    };
  }
  return wrapped as P;
}
