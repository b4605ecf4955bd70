import type { AuditRecord } from '../records.js';
import type { AuditFilter, AuditStore } from '../ports/audit-store.js';
import type { Page, PageRequest } from '../ports/page.js';
import { checkLimit, decodeSeqCursor, encodeSeqCursor, toPage } from './pagination.js';
import { auditFromRow } from './rows.js';
import type { SqlContext } from './sql-context.js';

/** The most records `readAuditRange` returns at once. */
export const MAX_AUDIT_RANGE = 10_000;

/** Reading the audit log (`AuditStore`) over Kysely, for SQLite and PostgreSQL alike. */
export function sqlAuditStore(ctx: SqlContext): AuditStore {
  return {
    /**
     * Ordered by seq; the cursor is the last seq seen (decimal). A cursor that
     * is not a canonical non-negative integer is a `RangeError`.
     */
    async queryAudit(filter: AuditFilter, page: PageRequest): Promise<Page<AuditRecord>> {
      const limit = checkLimit(page.limit);
      let query = ctx.db.selectFrom('audit_log').selectAll();
      if (filter.agentId !== undefined) query = query.where('agent_id', '=', filter.agentId);
      if (filter.event !== undefined) query = query.where('event', '=', filter.event);
      if (filter.outcome !== undefined) query = query.where('outcome', '=', filter.outcome);
      if (filter.from !== undefined) query = query.where('time', '>=', filter.from);
      if (filter.to !== undefined) query = query.where('time', '<', filter.to);
      if (page.after !== undefined) query = query.where('seq', '>', decodeSeqCursor(page.after));
      const rows = await query.orderBy('seq').limit(limit + 1).execute();
      return toPage(rows.map(auditFromRow), { limit }, (last) => encodeSeqCursor(last.seq));
    },

    /** Up to `limit` (at most `MAX_AUDIT_RANGE`) records from `fromSeq`. */
    async readAuditRange(fromSeq: number, limit: number): Promise<AuditRecord[]> {
      if (!Number.isSafeInteger(fromSeq) || !Number.isSafeInteger(limit) || limit < 1 || limit > MAX_AUDIT_RANGE) {
        throw new TypeError(`fromSeq must be an integer and limit an integer from 1 to ${MAX_AUDIT_RANGE}`);
      }
      const rows = await ctx.db.selectFrom('audit_log').selectAll().where('seq', '>=', fromSeq).orderBy('seq').limit(limit).execute();
      return rows.map(auditFromRow);
    },
  };
}
