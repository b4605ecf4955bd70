import type { AuditStore } from '../store/ports/audit-store.js';
import type { ApiKeyStore } from '../store/ports/api-key-store.js';
import type { ImportedKeyStore } from '../store/ports/imported-key-store.js';
import type { AuditRecord } from '../store/records.js';
import type { UsageWindow } from '../store/ports/agent-usage-store.js';

const DAY_MS = 86_400_000;
/** Audit records read per page while scanning. */
const PAGE = 1000;
/** Most audit records one report reads; past it the report says `truncated`. */
export const MAX_SCANNED_RECORDS = 100_000;
/** Most managed keys, and most imported keys, one report lists from. */
export const MAX_KEYS = 10_000;

/** How a call reached a resource: with a key (managed or imported) or an access token. */
export type CallKind = 'tokens' | 'managedKeys' | 'importedKeys';

/** Calls in one UTC day. */
export interface DayCounts {
  /** `YYYY-MM-DD`, UTC. */
  day: string;
  tokens: number;
  managedKeys: number;
  importedKeys: number;
}

/** One agent's calls at one resource over the window; `resource` null when the record names none. */
export interface MigrationRow {
  agentId: string;
  resource: string | null;
  tokens: number;
  managedKeys: number;
  importedKeys: number;
  /** Days with at least one call, oldest first. */
  days: DayCounts[];
}

/** A key on one of the report's lists. */
export interface ReportedKey {
  id: string;
  kind: 'managed' | 'imported';
  agentId: string;
  owner: string;
  expiresAt: number;
  lastUsedAt: number | null;
}

/** The migration progress report (docs/migration.md, "Progress report"). */
export interface MigrationReport {
  window: UsageWindow;
  unusedDays: number;
  /** Only given when asked: the resource servers' sunset date, epoch ms. */
  sunset: number | null;
  rows: MigrationRow[];
  /** Live keys not used in the last `unusedDays` days (never used: created before then). */
  unused: ReportedKey[];
  /** Live keys whose owner is empty. */
  withoutOwner: ReportedKey[];
  /** Live keys that would still be accepted after `sunset`. */
  pastSunset: ReportedKey[];
  /** The scan stopped at {@link MAX_SCANNED_RECORDS} records: the counts are a lower bound. */
  truncated: boolean;
}

/** What the report reads: the audit log and the two key stores, nothing else. */
export type MigrationReportStore = Pick<AuditStore, 'queryAudit'> & Pick<ApiKeyStore, 'listApiKeys'> & Pick<ImportedKeyStore, 'listImportedKeys'>;

/** What the report is asked for. */
export interface MigrationReportRequest {
  window: UsageWindow;
  unusedDays: number;
  sunset?: number;
  issuer: string;
}

/**
 * The migration progress report over `window`. A call is what the server sees of one:
 * - a token: `access_token.issued` without a managed key (any grant), one per audience that is not
 *   the issuer;
 * - a managed key: `access_token.issued` naming `managed_key_id` (the key exchanged for a token),
 *   one per audience; and an active `aak_` key introspected at `POST /introspect` by a service
 *   that accepts keys directly (`access_token.introspected` with `managed_key_id`), whose
 *   resource the record does not name;
 * - an imported key: a successful `imported_key.introspected`, at the `resource` the service named.
 * Calls a service makes with a token it already holds, or answers from its introspection cache,
 * reach no record and are not counted. The scan reads at most {@link MAX_SCANNED_RECORDS}.
 */
export async function migrationReport(store: MigrationReportStore, request: MigrationReportRequest): Promise<MigrationReport> {
  const { window, issuer } = request;
  const rows = new Map<string, MigrationRow>();
  const buckets = new Map<string, DayCounts>();
  const count = (agentId: string, resource: string | null, kind: CallKind, time: number) => {
    const key = `${agentId}\u0000${resource ?? ''}`;
    let row = rows.get(key);
    if (row === undefined) rows.set(key, (row = { agentId, resource, tokens: 0, managedKeys: 0, importedKeys: 0, days: [] }));
    row[kind] += 1;
    const day = new Date(time).toISOString().slice(0, 10);
    let bucket = buckets.get(`${key}\u0000${day}`);
    if (bucket === undefined) {
      bucket = { day, tokens: 0, managedKeys: 0, importedKeys: 0 };
      buckets.set(`${key}\u0000${day}`, bucket);
      row.days.push(bucket);
    }
    bucket[kind] += 1;
  };

  let budget = MAX_SCANNED_RECORDS;
  let truncated = false;
  const scan = async (event: string, each: (record: AuditRecord) => void) => {
    let after: string | undefined;
    do {
      if (budget <= 0) {
        truncated = true;
        return;
      }
      const page = await store.queryAudit({ event, outcome: 'success', from: window.from, to: window.to }, { limit: Math.min(PAGE, budget), ...(after === undefined ? {} : { after }) });
      budget -= page.items.length;
      page.items.forEach(each);
      after = page.next;
    } while (after !== undefined);
  };

  await scan('access_token.issued', (record) => {
    if (record.agentId === null) return;
    const kind: CallKind = typeof record.details['managed_key_id'] === 'string' ? 'managedKeys' : 'tokens';
    const audiences = strings(record.details['aud']).filter((audience) => audience !== issuer);
    if (audiences.length === 0) count(record.agentId, null, kind, record.time);
    for (const audience of audiences) count(record.agentId, audience, kind, record.time);
  });
  await scan('access_token.introspected', (record) => {
    const agentId = record.details['token_agent_id'];
    if (typeof record.details['managed_key_id'] !== 'string' || typeof agentId !== 'string' || record.details['active'] !== true) return;
    count(agentId, null, 'managedKeys', record.time);
  });
  await scan('imported_key.introspected', (record) => {
    const agentId = record.details['key_agent_id'];
    if (typeof agentId !== 'string') return;
    const resource = record.details['resource'];
    count(agentId, typeof resource === 'string' ? resource : null, 'importedKeys', record.time);
  });

  const now = window.to;
  const managed = (await store.listApiKeys({ limit: MAX_KEYS })).map((key): ReportedKey & { revokedAt: number | null; createdAt: number } => ({ id: key.id, kind: 'managed', agentId: key.agentId, owner: key.owner, expiresAt: key.expiresAt, lastUsedAt: key.lastUsedAt, revokedAt: key.revokedAt, createdAt: key.createdAt }));
  const imported = (await store.listImportedKeys({ limit: MAX_KEYS })).map((key) => ({ id: key.id, kind: 'imported' as const, agentId: key.agentId, owner: key.owner, expiresAt: key.expiresAt, lastUsedAt: key.lastUsedAt, revokedAt: key.revokedAt, createdAt: key.importedAt }));
  const live = [...managed, ...imported].filter((key) => key.revokedAt === null && key.expiresAt > now);
  const unusedSince = now - request.unusedDays * DAY_MS;
  const shown = ({ id, kind, agentId, owner, expiresAt, lastUsedAt }: ReportedKey): ReportedKey => ({ id, kind, agentId, owner, expiresAt, lastUsedAt });
  const sunset = request.sunset;
  return {
    window,
    unusedDays: request.unusedDays,
    sunset: sunset ?? null,
    rows: [...rows.values()].sort((a, b) => a.agentId.localeCompare(b.agentId) || (a.resource ?? '').localeCompare(b.resource ?? '')).map((row) => ({ ...row, days: row.days.sort((a, b) => a.day.localeCompare(b.day)) })),
    unused: live.filter((key) => (key.lastUsedAt ?? key.createdAt) < unusedSince).map(shown),
    withoutOwner: live.filter((key) => key.owner.trim() === '').map(shown),
    pastSunset: sunset === undefined ? [] : live.filter((key) => key.expiresAt > sunset).map(shown),
    truncated,
  };
}

/** The share of calls made with a key, 0 to 1, rounded to 3 places; null with no calls. */
export function keyShare(counts: { tokens: number; managedKeys: number; importedKeys: number }): number | null {
  const keys = counts.managedKeys + counts.importedKeys;
  const total = keys + counts.tokens;
  return total === 0 ? null : Math.round((keys / total) * 1000) / 1000;
}

function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}
