import type { PageRequest } from '../ports/page.js';

/** The largest page a store will return in one call. */
export const MAX_PAGE_LIMIT = 1000;

/** Checks a page size: the API layer bounds it, so anything else is a programmer's mistake. */
export function checkLimit(limit: number): number {
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_PAGE_LIMIT) {
    throw new TypeError(`page limit must be an integer from 1 to ${MAX_PAGE_LIMIT}`);
  }
  return limit;
}

/** The opaque agent cursor: base64url of the last id on the page. */
export function encodeIdCursor(id: string): string {
  return Buffer.from(id, 'utf8').toString('base64url');
}

/**
 * Decodes an agent cursor. Cursors come back from clients, so one that is not exactly what
 * `encodeIdCursor` produces is refused with a `RangeError` (the admin API answers 400).
 */
export function decodeIdCursor(cursor: string): string {
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (cursor.length === 0 || encodeIdCursor(id) !== cursor) throw new RangeError('invalid cursor');
  return id;
}

/** The audit cursor: the last seq seen, in decimal. */
export function encodeSeqCursor(seq: number): string {
  return String(seq);
}

/** Decodes an audit cursor; anything but a canonical non-negative integer is a `RangeError`. */
export function decodeSeqCursor(cursor: string): number {
  const seq = /^(0|[1-9][0-9]{0,14})$/.test(cursor) ? Number(cursor) : NaN;
  if (!Number.isSafeInteger(seq)) throw new RangeError('invalid cursor');
  return seq;
}

/** Builds a page from `limit + 1` fetched rows: the extra row only says that a next page exists. */
export function toPage<T>(rows: T[], page: PageRequest, cursorOf: (last: T) => string): { items: T[]; next?: string } {
  if (rows.length <= page.limit) return { items: rows };
  const items = rows.slice(0, page.limit);
  return { items, next: cursorOf(items[items.length - 1] as T) };
}
