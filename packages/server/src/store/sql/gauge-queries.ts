import type { GaugeSnapshot, GaugeStore } from '../ports/gauge-store.js';
import type { SqlContext } from './sql-context.js';

/** `GaugeStore` over Kysely: four aggregate reads, for SQLite and PostgreSQL alike. */
export function sqlGaugeStore(ctx: SqlContext): GaugeStore {
  return {
    async gaugeSnapshot(now: number): Promise<GaugeSnapshot> {
      const [agents, streams, queued, crl] = await Promise.all([
        ctx.db.selectFrom('agents').select((eb) => ['status', eb.fn.countAll().as('count')]).groupBy('status').execute(),
        ctx.db.selectFrom('ssf_streams').select((eb) => ['status', eb.fn.countAll().as('count')]).groupBy('status').execute(),
        ctx.db.selectFrom('ssf_queued_sets').select((eb) => [eb.fn.countAll().as('count'), eb.fn.min('created_at').as('oldest')]).executeTakeFirst(),
        ctx.db
          .selectFrom('ca_crls')
          .innerJoin('ca_authorities', 'ca_authorities.id', 'ca_crls.ca_id')
          .where('ca_authorities.not_after', '>', now)
          .select((eb) => eb.fn.min('ca_crls.this_update').as('oldest'))
          .executeTakeFirst(),
      ]);
      return {
        agentsByStatus: tally(agents),
        streamsByStatus: tally(streams),
        queuedSets: Number(queued?.count ?? 0),
        oldestQueuedAt: nullableNumber(queued?.oldest),
        oldestCrlThisUpdate: nullableNumber(crl?.oldest),
      };
    },
  };
}

// PostgreSQL answers count(*) as a string (int8); SQLite as a number.
function tally(rows: readonly { status: string; count: string | number | bigint }[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const row of rows) counts[row.status] = Number(row.count);
  return counts;
}

function nullableNumber(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value);
}
