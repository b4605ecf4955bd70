import type { AuditStore } from '../store/ports/audit-store.js';
import type { AuditRecord } from '../store/records.js';
import type { UsageWindow } from '../store/ports/agent-usage-store.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** Audit records read per page while scanning. */
const PAGE = 1000;
/** Most audit records one answer reads; past it the answer says `truncated`. */
export const MAX_SCANNED_RECORDS = 100_000;

/** The width of one bucket. */
export type StatsBucket = 'hour' | 'day';

/** Tokens issued and requests refused in one bucket, the refusals by reason code. */
export interface TokenBucket {
  /** The bucket's first instant, epoch ms (a whole UTC hour or day). */
  start: number;
  issued: number;
  refused: number;
  /** Refusals by the OAuth error code that opens the record's reason (`invalid_client`). */
  reasons: Record<string, number>;
}

/** Token issuance and refusals over a window (docs/admin-api.md, "Token statistics"). */
export interface TokenStats {
  window: UsageWindow;
  bucket: StatsBucket;
  /** Every bucket of the window, oldest first, empty ones included so a chart's axis is even. */
  buckets: TokenBucket[];
  totals: { issued: number; refused: number; reasons: Record<string, number> };
  /** The scan stopped at {@link MAX_SCANNED_RECORDS} records: the counts are a lower bound. */
  truncated: boolean;
}

/**
 * What counts: an `access_token.issued` record is one token issued (any grant, any endpoint); an
 * `access_token.denied` or `client_authentication.failed` record is one refused request. The
 * records already carry everything, so the answer is a bounded scan of the audit log in the
 * window, through the same filtered query `GET /audit` uses, never a second copy of the counts.
 */
const ISSUED = 'access_token.issued';
const REFUSALS = ['access_token.denied', 'client_authentication.failed'] as const;

/** The counts of tokens issued and refused in `window`, in buckets of an hour or a day (UTC). */
export async function tokenStats(store: Pick<AuditStore, 'queryAudit'>, window: UsageWindow, bucket: StatsBucket): Promise<TokenStats> {
  const width = bucket === 'hour' ? HOUR_MS : DAY_MS;
  const first = Math.floor(window.from / width) * width;
  const buckets: TokenBucket[] = [];
  for (let start = first; start < window.to; start += width) buckets.push({ start, issued: 0, refused: 0, reasons: {} });
  const at = (time: number): TokenBucket | undefined => buckets[Math.floor((time - first) / width)];
  const totals = { issued: 0, refused: 0, reasons: {} as Record<string, number> };

  let budget = MAX_SCANNED_RECORDS;
  let truncated = false;
  const scan = async (event: string, outcome: 'success' | 'failure', each: (record: AuditRecord) => void) => {
    let after: string | undefined;
    do {
      if (budget <= 0) {
        truncated = true;
        return;
      }
      const page = await store.queryAudit({ event, outcome, from: window.from, to: window.to }, { limit: Math.min(PAGE, budget), ...(after === undefined ? {} : { after }) });
      budget -= page.items.length;
      page.items.forEach(each);
      after = page.next;
    } while (after !== undefined);
  };

  await scan(ISSUED, 'success', (record) => {
    const into = at(record.time);
    if (into === undefined) return;
    into.issued += 1;
    totals.issued += 1;
  });
  for (const event of REFUSALS) {
    await scan(event, 'failure', (record) => {
      const into = at(record.time);
      if (into === undefined) return;
      const code = reasonCode(record.reason);
      into.refused += 1;
      into.reasons[code] = (into.reasons[code] ?? 0) + 1;
      totals.refused += 1;
      totals.reasons[code] = (totals.reasons[code] ?? 0) + 1;
    });
  }
  return { window, bucket, buckets, totals, truncated };
}

/**
 * The OAuth error code a refusal's reason starts with (`invalid_client: the secret does not
 * match` is `invalid_client`, RFC 6749 §5.2): a short, closed set of labels for a chart, where the
 * free text after it would make one series per request.
 */
export function reasonCode(reason: string | null): string {
  const code = /^([a-z_]{1,64})(?::|$)/.exec(reason?.trim() ?? '')?.[1];
  return code ?? 'other';
}
