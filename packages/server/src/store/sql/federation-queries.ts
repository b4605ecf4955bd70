import type { Kysely, Selectable } from 'kysely';
import type {
  BindingRulePatch,
  BindingRuleRecord,
  DeleteIssuerResult,
  FederationStore,
  TrustedIssuerPatch,
  TrustedIssuerRecord,
} from '../ports/federation-store.js';
import { ConflictError } from '../ports/conflict-error.js';
import type { Database } from './database.js';
import type { BindingRulesTable, TrustedIssuersTable } from './federation-tables.js';
import { fromJson, toJson } from './json.js';
import type { SqlContext } from './sql-context.js';
import type { AuditInput } from '../records.js';
import { appendAuditInTransaction } from './commit-units.js';

/**
 * Trusted issuers and binding rules (`FederationStore`) over Kysely, for SQLite and PostgreSQL
 * alike. Every write bumps the change counter in the same transaction.
 */
export function sqlFederationStore(ctx: SqlContext): FederationStore {
  /** `work`, the counter bump, and `audit(result)`'s records when `work` changed something, in one transaction. */
  function write<T>(work: (db: Kysely<Database>) => Promise<T>, audit?: (result: T) => readonly AuditInput[]): Promise<T> {
    return ctx.write(async (db) => {
      const result = await work(db);
      await db
        .updateTable('federation_change')
        .set((eb) => ({ counter: eb('counter', '+', 1) }))
        .where('id', '=', 1)
        .execute();
      if (audit !== undefined) await appendAuditInTransaction(ctx, db, audit(result));
      return result;
    });
  }

  return {
    async createTrustedIssuer(record: TrustedIssuerRecord, audit: readonly AuditInput[] = []): Promise<void> {
      try {
        await write((db) => db.insertInto('trusted_issuers').values(issuerToRow(record)).execute(), () => audit);
      } catch (error) {
        if (ctx.dialect.isUniqueViolation(error)) throw new ConflictError('issuer already trusted');
        throw error;
      }
    },

    async getTrustedIssuer(id: string): Promise<TrustedIssuerRecord | undefined> {
      const row = await ctx.db.selectFrom('trusted_issuers').selectAll().where('id', '=', id).executeTakeFirst();
      return row === undefined ? undefined : issuerFromRow(row);
    },

    async listTrustedIssuers(): Promise<TrustedIssuerRecord[]> {
      const rows = await ctx.db.selectFrom('trusted_issuers').selectAll().orderBy('id').execute();
      return rows.map(issuerFromRow);
    },

    async updateTrustedIssuer(id: string, patch: TrustedIssuerPatch, now: number, audit?: (updated: TrustedIssuerRecord) => readonly AuditInput[]): Promise<TrustedIssuerRecord | undefined> {
      return write(
        async (db) => {
          const row = await ctx.dialect.lockRows(db.selectFrom('trusted_issuers').selectAll().where('id', '=', id)).executeTakeFirst();
          if (row === undefined) return undefined;
          const updated: TrustedIssuerRecord = { ...issuerFromRow(row), ...patch, updatedAt: now };
          const { id: _id, created_at: _created, issuer: _issuer, ...columns } = issuerToRow(updated);
          await db.updateTable('trusted_issuers').set(columns).where('id', '=', id).execute();
          return updated;
        },
        (updated) => (updated === undefined || audit === undefined ? [] : audit(updated)),
      );
    },

    async deleteTrustedIssuer(id: string, audit: readonly AuditInput[] = []): Promise<DeleteIssuerResult> {
      return write(
        async (db) => {
          const used = await db.selectFrom('binding_rules').select('id').where('issuer_id', '=', id).limit(1).executeTakeFirst();
          if (used !== undefined) return 'in_use';
          const result = await db.deleteFrom('trusted_issuers').where('id', '=', id).executeTakeFirst();
          return result.numDeletedRows > 0n ? 'deleted' : 'not_found';
        },
        (result) => (result === 'deleted' ? audit : []),
      );
    },

    async createBindingRule(record: BindingRuleRecord, audit: readonly AuditInput[] = []): Promise<void> {
      try {
        await write((db) => db.insertInto('binding_rules').values(ruleToRow(record)).execute(), () => audit);
      } catch (error) {
        if (ctx.dialect.isForeignKeyViolation(error)) throw new ConflictError('no such issuer or agent');
        throw error;
      }
    },

    async getBindingRule(id: string): Promise<BindingRuleRecord | undefined> {
      const row = await ctx.db.selectFrom('binding_rules').selectAll().where('id', '=', id).executeTakeFirst();
      return row === undefined ? undefined : ruleFromRow(row);
    },

    async listBindingRules(filter: { issuerId?: string; agentId?: string }): Promise<BindingRuleRecord[]> {
      let query = ctx.db.selectFrom('binding_rules').selectAll();
      if (filter.issuerId !== undefined) query = query.where('issuer_id', '=', filter.issuerId);
      if (filter.agentId !== undefined) query = query.where('agent_id', '=', filter.agentId);
      const rows = await query.orderBy('id').execute();
      return rows.map(ruleFromRow);
    },

    async updateBindingRule(id: string, patch: BindingRulePatch, now: number, audit?: (updated: BindingRuleRecord) => readonly AuditInput[]): Promise<BindingRuleRecord | undefined> {
      return write(
        async (db) => {
          const row = await ctx.dialect.lockRows(db.selectFrom('binding_rules').selectAll().where('id', '=', id)).executeTakeFirst();
          if (row === undefined) return undefined;
          const updated: BindingRuleRecord = { ...ruleFromRow(row), ...patch, updatedAt: now };
          await db.updateTable('binding_rules').set({ claims: toJson(updated.claims), description: updated.description, updated_at: now }).where('id', '=', id).execute();
          return updated;
        },
        (updated) => (updated === undefined || audit === undefined ? [] : audit(updated)),
      );
    },

    async deleteBindingRule(id: string, audit: readonly AuditInput[] = []): Promise<boolean> {
      return write(
        async (db) => {
          const result = await db.deleteFrom('binding_rules').where('id', '=', id).executeTakeFirst();
          return result.numDeletedRows > 0n;
        },
        (deleted) => (deleted ? audit : []),
      );
    },

    async federationChangeCounter(): Promise<number> {
      const row = await ctx.db.selectFrom('federation_change').select('counter').where('id', '=', 1).executeTakeFirstOrThrow();
      return Number(row.counter);
    },
  };
}

function issuerToRow(r: TrustedIssuerRecord): TrustedIssuersTable {
  return {
    id: r.id,
    issuer: r.issuer,
    jwks_uri: r.jwksUri,
    jwks: r.jwks === null ? null : toJson(r.jwks),
    audiences: toJson(r.audiences),
    algorithms: toJson(r.algorithms),
    max_token_lifetime: r.maxTokenLifetime,
    allow_token_reuse: r.allowTokenReuse ? 1 : 0,
    description: r.description,
    created_at: r.createdAt,
    updated_at: r.updatedAt,
  };
}

function issuerFromRow(row: Selectable<TrustedIssuersTable>): TrustedIssuerRecord {
  return {
    id: row.id,
    issuer: row.issuer,
    jwksUri: row.jwks_uri,
    jwks: row.jwks === null ? null : fromJson<NonNullable<TrustedIssuerRecord['jwks']>>(row.jwks),
    audiences: fromJson<string[]>(row.audiences),
    algorithms: fromJson<string[]>(row.algorithms),
    maxTokenLifetime: Number(row.max_token_lifetime),
    allowTokenReuse: Number(row.allow_token_reuse) === 1,
    description: row.description,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

function ruleToRow(r: BindingRuleRecord): BindingRulesTable {
  return {
    id: r.id,
    issuer_id: r.issuerId,
    agent_id: r.agentId,
    claims: toJson(r.claims),
    description: r.description,
    created_at: r.createdAt,
    updated_at: r.updatedAt,
  };
}

function ruleFromRow(row: Selectable<BindingRulesTable>): BindingRuleRecord {
  return {
    id: row.id,
    issuerId: row.issuer_id,
    agentId: row.agent_id,
    claims: fromJson<Record<string, string>>(row.claims),
    description: row.description,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}
