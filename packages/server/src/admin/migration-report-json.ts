import { keyShare, type MigrationReport as DomainReport, type ReportedKey } from '../key-migration/migration-report.js';
import { rfc3339, rfc3339OrNull } from './wire/primitives.js';
import type { MigrationKey, MigrationReport } from './wire/migration-report.js';

/** The migration report as the admin API shows it; `since` as asked. */
export function migrationReportToJson(report: DomainReport, since: string): MigrationReport {
  const totals = { tokens: 0, managedKeys: 0, importedKeys: 0 };
  for (const row of report.rows) {
    totals.tokens += row.tokens;
    totals.managedKeys += row.managedKeys;
    totals.importedKeys += row.importedKeys;
  }
  return {
    window: { since, from: rfc3339(report.window.from), to: rfc3339(report.window.to) },
    unused_days: report.unusedDays,
    sunset: rfc3339OrNull(report.sunset),
    totals: { tokens: totals.tokens, managed_keys: totals.managedKeys, imported_keys: totals.importedKeys, key_share: keyShare(totals) },
    rows: report.rows.map((row) => ({
      agent_id: row.agentId,
      resource: row.resource,
      tokens: row.tokens,
      managed_keys: row.managedKeys,
      imported_keys: row.importedKeys,
      key_share: keyShare(row),
      days: row.days.map((day) => ({ day: day.day, tokens: day.tokens, managed_keys: day.managedKeys, imported_keys: day.importedKeys, key_share: keyShare(day) })),
    })),
    unused_keys: report.unused.map(keyJson),
    keys_without_owner: report.withoutOwner.map(keyJson),
    keys_past_sunset: report.pastSunset.map(keyJson),
    truncated: report.truncated,
  };
}

function keyJson(key: ReportedKey): MigrationKey {
  return { id: key.id, kind: key.kind, agent_id: key.agentId, owner: key.owner, expires_at: rfc3339(key.expiresAt), last_used_at: rfc3339OrNull(key.lastUsedAt) };
}
