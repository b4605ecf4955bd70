/**
 * How long a client is asked to wait before retrying a request that failed because storage could
 * not be reached or written (`Retry-After`, RFC 9110 §10.2.3), seconds. A restarting PostgreSQL
 * is back within seconds; a full disk needs an operator, and a client retrying every few seconds
 * costs one cheap refusal each time.
 */
export const STORAGE_RETRY_AFTER_SECONDS = 5;

/**
 * Thrown by a store when the database cannot be reached or written for now: the connection was
 * lost or refused, the server is shutting down or starting, the disk is full, an I/O error, a lock
 * not granted in time (ARCHITECTURE.md, Storage). Nothing the failed call was writing was
 * committed, unless the connection died during `COMMIT` itself, in which case the outcome is
 * unknown; either way nothing is acknowledged.
 *
 * Every surface answers it with 503 and `Retry-After` (`temporarily_unavailable` on the protocol
 * surfaces, the `storage_unavailable` problem on the admin API) instead of a 500. The message
 * names the driver's error code and its message, which for these conditions holds no value of
 * any request; the original error is its `cause`, for the log.
 */
export class StorageUnavailableError extends Error {
  override readonly name = 'StorageUnavailableError';
  readonly retryAfterSeconds = STORAGE_RETRY_AFTER_SECONDS;
  constructor(
    /** The driver's code (`ECONNREFUSED`, `57P01`, `SQLITE_FULL`, ...), or `connection_lost`. */
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`storage unavailable (${code}): ${message}`, options);
  }
}
