import type { Selectable } from 'kysely';
import type { AnomalyRecord, AnomalyState, AnomalyStore } from '../ports/anomaly-store.js';
import type { AnomaliesTable } from './anomaly-tables.js';
import { appendAuditInTransaction } from './commit-units.js';
import { fromJson, toJson } from './json.js';
import type { SqlContext } from './sql-context.js';

/** The states each change may leave. */
const FROM: Record<'acknowledged' | 'resolved', AnomalyState[]> = { acknowledged: ['open'], resolved: ['open', 'acknowledged'] };

/** `AnomalyStore` over Kysely, for SQLite and PostgreSQL alike. Each change of state is one conditional UPDATE. */
export function sqlAnomalyStore(ctx: SqlContext): AnomalyStore {
  return {
    async createAnomaly(record, audit): Promise<void> {
      await ctx.write(async (db) => {
        await db.insertInto('anomalies').values(toRow(record)).execute();
        await appendAuditInTransaction(ctx, db, audit);
      });
    },

    async getAnomaly(id) {
      const row = await ctx.db.selectFrom('anomalies').selectAll().where('id', '=', id).executeTakeFirst();
      return row === undefined ? undefined : fromRow(row);
    },

    async listAnomalies(filter) {
      let query = ctx.db.selectFrom('anomalies').selectAll();
      if (filter.agentId !== undefined) query = query.where('agent_id', '=', filter.agentId);
      if (filter.states !== undefined) query = query.where('state', 'in', [...filter.states]);
      if (filter.before !== undefined) {
        const cursor = await ctx.db.selectFrom('anomalies').select(['detected_at', 'id']).where('id', '=', filter.before).executeTakeFirst();
        if (cursor === undefined) return [];
        const at = Number(cursor.detected_at);
        query = query.where((eb) => eb.or([eb('detected_at', '<', at), eb.and([eb('detected_at', '=', at), eb('id', '<', cursor.id)])]));
      }
      const rows = await query.orderBy('detected_at', 'desc').orderBy('id', 'desc').limit(filter.limit).execute();
      return rows.map(fromRow);
    },

    async transitionAnomaly(id, change, audit) {
      return ctx.write(async (db) => {
        const set =
          change.to === 'acknowledged'
            ? { state: change.to, acknowledged_by: change.by, acknowledged_at: change.at, ...(change.note === null ? {} : { note: change.note }) }
            : { state: change.to, resolved_by: change.by, resolved_at: change.at, ...(change.note === null ? {} : { note: change.note }) };
        const result = await db.updateTable('anomalies').set(set).where('id', '=', id).where('state', 'in', FROM[change.to]).executeTakeFirst();
        if (result.numUpdatedRows !== 1n) return undefined;
        const row = await db.selectFrom('anomalies').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
        const updated = fromRow(row);
        await appendAuditInTransaction(ctx, db, audit(updated));
        return updated;
      });
    },
  };
}

const nullableNumber = (value: number | string | null) => (value === null ? null : Number(value));

function toRow(r: AnomalyRecord): AnomaliesTable {
  return {
    id: r.id,
    agent_id: r.agentId,
    detector: r.detector,
    severity: r.severity,
    state: r.state,
    evidence: r.evidence,
    details: toJson(r.details),
    detected_at: r.detectedAt,
    acknowledged_by: r.acknowledgedBy,
    acknowledged_at: r.acknowledgedAt,
    resolved_by: r.resolvedBy,
    resolved_at: r.resolvedAt,
    note: r.note,
  };
}

function fromRow(r: Selectable<AnomaliesTable>): AnomalyRecord {
  return {
    id: r.id,
    agentId: r.agent_id,
    detector: r.detector,
    severity: r.severity as AnomalyRecord['severity'],
    state: r.state as AnomalyState,
    evidence: r.evidence,
    details: fromJson<Record<string, unknown>>(r.details),
    detectedAt: Number(r.detected_at),
    acknowledgedBy: r.acknowledged_by,
    acknowledgedAt: nullableNumber(r.acknowledged_at),
    resolvedBy: r.resolved_by,
    resolvedAt: nullableNumber(r.resolved_at),
    note: r.note,
  };
}
