import { SiemStatus } from '../admin/wire/siem-status.js';
import { rfc3339 } from '../admin/wire/primitives.js';
import { SIEM_SINK_NAMES, type SiemSinkName } from '../siem/siem-sink.js';
import type { AuditCheckpointStore } from '../store/ports/audit-checkpoint-store.js';
import type { SiemCheckpointRecord, SiemCheckpointStore } from '../store/ports/siem-checkpoint-store.js';
import { adminRoute, type AdminRoute } from './admin-route.js';

const isSinkName = (name: string): name is SiemSinkName => (SIEM_SINK_NAMES as readonly string[]).includes(name);

/**
 * `GET /audit/siem` (docs/admin-api.md, docs/monitoring.md "SIEM export"): each sink's position,
 * lag and last error, read from the database, so every node answers for all of them.
 */
export function siemRoutes(deps: { store: Pick<SiemCheckpointStore, 'listSiemCheckpoints'> & Pick<AuditCheckpointStore, 'readAuditHead'>; configured: readonly SiemSinkName[] }): AdminRoute[] {
  return [
    adminRoute({
      method: 'GET',
      url: '/audit/siem',
      operationId: 'siemExportStatus',
      summary: 'The SIEM export: per sink, the last audit record acknowledged, the lag behind the head and the last error.',
      schema: {},
      success: { status: 200, schema: SiemStatus },
      authenticated: true,
      handler: async () => {
        const [head, stored] = await Promise.all([deps.store.readAuditHead(), deps.store.listSiemCheckpoints()]);
        const headSeq = head?.seq ?? 0;
        const byName = new Map<SiemSinkName, SiemCheckpointRecord>();
        for (const record of stored) if (isSinkName(record.sink)) byName.set(record.sink, record);
        const names = SIEM_SINK_NAMES.filter((name) => byName.has(name) || deps.configured.includes(name));
        return {
          head_seq: headSeq,
          sinks: names.map((name) => {
            const record = byName.get(name) ?? { sink: name, seq: 0, exportedAt: null, lastError: null, lastErrorAt: null };
            return {
              sink: name,
              configured: deps.configured.includes(name),
              seq: record.seq,
              lag: Math.max(0, headSeq - record.seq),
              exported_at: record.exportedAt === null ? null : rfc3339(record.exportedAt),
              failing: record.lastErrorAt !== null && (record.exportedAt === null || record.lastErrorAt > record.exportedAt),
              last_error: record.lastError,
              last_error_at: record.lastErrorAt === null ? null : rfc3339(record.lastErrorAt),
            };
          }),
        };
      },
    }),
  ];
}
