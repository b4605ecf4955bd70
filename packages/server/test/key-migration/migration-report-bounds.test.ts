import { describe, expect, it } from 'vitest';
import { MAX_SCANNED_RECORDS, migrationReport, type MigrationReportStore } from '../../src/key-migration/migration-report.js';
import type { ApiKeyRecord } from '../../src/store/ports/api-key-store.js';
import type { AuditRecord } from '../../src/store/records.js';

const NOW = Date.UTC(2026, 11, 10);
const DAY = 86_400_000;
const ISSUER = 'https://auth.example.com';

const key = (id: string, owner: string): ApiKeyRecord => ({
  id, keyHash: 'x'.repeat(64), agentId: 'agt_1', owner, scopes: [], resources: [], labels: {}, createdAt: NOW - DAY, expiresAt: NOW + DAY, revokedAt: null, replacesId: null, lastUsedAt: NOW - DAY, useCount: 1, sourceAddresses: [],
});

const issued = (seq: number): AuditRecord => ({
  seq, prevHash: '', hash: '', time: NOW - DAY, event: 'access_token.issued', outcome: 'success', agentId: 'agt_1', actor: 'agent:agt_1', sourceIp: null, reason: null, requestId: null, details: { aud: [ISSUER] },
});

/** A store whose audit log holds `records` issuance records and whose managed keys are `keys`. */
function store(records: number, keys: ApiKeyRecord[]): MigrationReportStore & { read: number } {
  const fake = {
    read: 0,
    async queryAudit(filter: { event?: string }, page: { limit: number; after?: string }) {
      if (filter.event !== 'access_token.issued') return { items: [] };
      const start = Number(page.after ?? 0);
      const end = Math.min(records, start + page.limit);
      fake.read += end - start;
      const items = Array.from({ length: end - start }, (_, index) => issued(start + index + 1));
      return end < records ? { items, next: String(end) } : { items };
    },
    async listApiKeys() {
      return keys;
    },
    async listImportedKeys() {
      return [];
    },
  };
  return fake;
}

describe('migration report bounds', () => {
  it('stops reading the audit log at the cap and says the counts are a lower bound', async () => {
    const fake = store(MAX_SCANNED_RECORDS + 5, []);
    const report = await migrationReport(fake, { window: { from: NOW - 30 * DAY, to: NOW }, unusedDays: 30, issuer: ISSUER });
    expect(fake.read).toBe(MAX_SCANNED_RECORDS);
    expect(report.truncated).toBe(true);
    // A token whose only audience is the issuer names no resource.
    expect(report.rows).toEqual([expect.objectContaining({ agentId: 'agt_1', resource: null, tokens: MAX_SCANNED_RECORDS })]);
  });

  it('lists a live key whose owner is blank as without an owner', async () => {
    const report = await migrationReport(store(0, [key('ak_owned', 'team-a'), key('ak_orphan', ' ')]), { window: { from: NOW - 30 * DAY, to: NOW }, unusedDays: 30, issuer: ISSUER });
    expect(report.withoutOwner.map((item) => item.id)).toEqual(['ak_orphan']);
    expect(report.truncated).toBe(false);
  });
});
