import type { AuditFilter, AuditStore } from '../store/ports/audit-store.js';
import { auditRecordToJson } from './audit-record-json.js';

/** Default records fetched per `queryAudit` page. */
export const DEFAULT_EXPORT_PAGE_SIZE = 500;

/**
 * The audit log as JSON Lines / NDJSON (`application/x-ndjson`, `GET /admin/v1/audit/export`): one
 * record per string, each `JSON.stringify(auditRecordToJson(record))` followed by `"\n"`, in `seq`
 * order, fetched page by page with `queryAudit` so memory stays bounded however long the log is.
 * Feed it to `Readable.from(...)` to stream a response.
 *
 * Records that match `filter` only; with no filter the lines are the whole chain, and the hashes in
 * them can be checked offline (docs/events.md). A filtered export is not a chain (it has gaps by
 * design). Records committed while the export runs may or may not be included; it never repeats or
 * skips one that existed when it started, since pages are keyed by `seq`.
 */
export async function* exportAudit(
  store: Pick<AuditStore, 'queryAudit'>,
  filter: AuditFilter,
  options: { pageSize?: number } = {},
): AsyncIterable<string> {
  const limit = options.pageSize ?? DEFAULT_EXPORT_PAGE_SIZE;
  if (!Number.isSafeInteger(limit) || limit < 1) throw new TypeError('exportAudit: pageSize must be a positive integer');
  let after: string | undefined;
  do {
    const page = await store.queryAudit(filter, after === undefined ? { limit } : { limit, after });
    for (const record of page.items) yield JSON.stringify(auditRecordToJson(record)) + '\n';
    after = page.next;
  } while (after !== undefined);
}
