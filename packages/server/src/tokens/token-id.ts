import type { Random } from '../random.js';

/** Nine base-36 digits hold every millisecond until the year 5188. */
const TIME_DIGITS = 9;
const LATEST_MS = 36 ** TIME_DIGITS - 1;
/** 128 random bits: collision-resistant on their own (RFC 7519 §4.1.7), whatever the time part. */
const RANDOM_BYTES = 16;

/**
 * A JWT ID (RFC 7519 §4.1.7) for an access token we issue: the issue time in milliseconds as nine
 * base-36 digits (`0-9a-z`, which sort in ASCII order), then 128 random bits in base64url.
 *
 * Why time first: `issued_tokens` and `revoked_tokens` are keyed by `jti`. With purely random
 * keys every token issued lands on its own B-tree page, so each group commit rewrote one index
 * page per token (measured: about 10 µs of the commit thread's time per token on SQLite); ids that
 * sort by issue time append to the same few pages. The time part tells the issue time to the
 * millisecond (`iat` tells the second); the random part keeps the id unguessable and unique.
 */
export function newTokenId(nowMs: number, random: Random): string {
  if (!Number.isSafeInteger(nowMs) || nowMs < 0 || nowMs > LATEST_MS) throw new RangeError('newTokenId: nowMs must be an integer from 0 to 36^9 - 1');
  return nowMs.toString(36).padStart(TIME_DIGITS, '0') + random.token(RANDOM_BYTES);
}
