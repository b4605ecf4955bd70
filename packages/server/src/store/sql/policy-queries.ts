import type { Selectable } from 'kysely';
import type { PolicySetRecord, PolicySetSummary, PolicyStore } from '../ports/policy-store.js';
import type { AuditInput } from '../records.js';
import { appendAuditInTransaction } from './commit-units.js';
import { fromJson, toJson } from './json.js';
import type { PolicySetsTable } from './policy-tables.js';
import type { SqlContext } from './sql-context.js';

/** `PolicyStore` over Kysely, for SQLite and PostgreSQL alike. */
export function sqlPolicyStore(ctx: SqlContext): PolicyStore {
  return {
    async currentPolicyVersion(): Promise<number> {
      const row = await ctx.db.selectFrom('policy_sets').select((eb) => eb.fn.max('version').as('version')).executeTakeFirst();
      return row?.version === undefined || row.version === null ? 0 : Number(row.version);
    },

    async getPolicySet(version?: number): Promise<PolicySetRecord | undefined> {
      let query = ctx.db.selectFrom('policy_sets').selectAll();
      query = version === undefined ? query.orderBy('version', 'desc').limit(1) : query.where('version', '=', version);
      const row = await query.executeTakeFirst();
      return row === undefined ? undefined : fromRow(row);
    },

    async listPolicySets(limit: number): Promise<PolicySetSummary[]> {
      const rows = await ctx.db.selectFrom('policy_sets').selectAll().orderBy('version', 'desc').limit(limit).execute();
      return rows.map((row) => {
        const { policies, entities: _entities, ...rest } = fromRow(row);
        return { ...rest, policyCount: policies.length };
      });
    },

    async insertPolicySet(record: PolicySetRecord, audit: readonly AuditInput[]): Promise<boolean> {
      try {
        return await ctx.write(async (db) => {
          const row = await db.selectFrom('policy_sets').select((eb) => eb.fn.max('version').as('version')).executeTakeFirst();
          const current = row?.version === undefined || row.version === null ? 0 : Number(row.version);
          if (current !== record.version - 1) return false;
          // The version key makes this the one conditional write: a racing insert of the same
          // version fails on the key even where the read above did not see it.
          await db
            .insertInto('policy_sets')
            .values({
              version: record.version,
              created_at: record.createdAt,
              created_by: record.createdBy,
              comment: record.comment,
              policies: toJson(record.policies),
              entities: toJson(record.entities),
            })
            .execute();
          await appendAuditInTransaction(ctx, db, audit);
          return true;
        });
      } catch (error) {
        if (ctx.dialect.isUniqueViolation(error)) return false;
        throw error;
      }
    },
  };
}

function fromRow(row: Selectable<PolicySetsTable>): PolicySetRecord {
  return {
    version: Number(row.version),
    createdAt: Number(row.created_at),
    createdBy: row.created_by,
    comment: row.comment,
    policies: fromJson(row.policies) as PolicySetRecord['policies'],
    entities: fromJson(row.entities) as unknown[],
  };
}
