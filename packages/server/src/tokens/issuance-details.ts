import type { IssuedTokenRecord } from '../store/records.js';
import type { AuditStore } from '../store/ports/audit-store.js';

/** Audit records of one client in one second searched for the tokens it was issued then. */
const AUDIT_SCAN_LIMIT = 1000;

/**
 * The `details` of the `access_token.issued` audit record of each token (docs/events.md): scope,
 * audience, `act`, the proof-of-possession thumbprint... which the issued-token record does not
 * keep. That record is written by the same group commit as the issued-token record, by the same
 * client, within the second of `issuedAt` (`iat` * 1000), so it is searched there: one query per
 * client and second, however many of `records` share them. A token whose record is not found
 * (beyond {@link AUDIT_SCAN_LIMIT} records of that client in that second) has no entry.
 */
export async function issuanceDetails(store: Pick<AuditStore, 'queryAudit'>, records: readonly IssuedTokenRecord[]): Promise<Map<string, Record<string, unknown>>> {
  const groups = new Map<string, { clientId: string; issuedAt: number; jtis: Set<string> }>();
  for (const record of records) {
    const key = `${record.issuedAt} ${record.clientId}`;
    const group = groups.get(key) ?? { clientId: record.clientId, issuedAt: record.issuedAt, jtis: new Set<string>() };
    group.jtis.add(record.jti);
    groups.set(key, group);
  }
  const found = new Map<string, Record<string, unknown>>();
  await Promise.all(
    [...groups.values()].map(async ({ clientId, issuedAt, jtis }) => {
      const filter = { agentId: clientId, event: 'access_token.issued', outcome: 'success' as const, from: issuedAt, to: issuedAt + 1000 };
      let after: string | undefined;
      let missing = jtis.size;
      for (let scanned = 0; scanned < AUDIT_SCAN_LIMIT && missing > 0; ) {
        const page = await store.queryAudit(filter, { limit: 100, ...(after === undefined ? {} : { after }) });
        for (const item of page.items) {
          const jti = item.details['jti'];
          if (typeof jti === 'string' && jtis.has(jti) && !found.has(jti)) {
            found.set(jti, item.details);
            missing--;
          }
        }
        scanned += page.items.length;
        if (page.next === undefined) break;
        after = page.next;
      }
    }),
  );
  return found;
}
