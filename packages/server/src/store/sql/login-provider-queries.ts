import type { Selectable } from 'kysely';
import { ConflictError } from '../ports/conflict-error.js';
import type { ClaimMapping, LoginProviderRecord, LoginProviderStore, LoginRequestRecord } from '../ports/login-provider-store.js';
import type { UserRole } from '../ports/user-store.js';
import type { AuditInput } from '../records.js';
import { appendAuditInTransaction } from './commit-units.js';
import { fromJson, toJson } from './json.js';
import type { LoginProvidersTable, LoginRequestsTable } from './login-provider-tables.js';
import type { SqlContext } from './sql-context.js';

/** `LoginProviderStore` over Kysely, for SQLite and PostgreSQL alike. */
export function sqlLoginProviderStore(ctx: SqlContext): LoginProviderStore {
  return {
    async createLoginProvider(record: LoginProviderRecord, audit: readonly AuditInput[]): Promise<void> {
      try {
        await ctx.write(async (db) => {
          await db.insertInto('login_providers').values(toRow(record)).execute();
          await appendAuditInTransaction(ctx, db, audit);
        });
      } catch (error) {
        if (ctx.dialect.isUniqueViolation(error)) throw new ConflictError('login provider id already taken');
        throw error;
      }
    },

    async getLoginProvider(id: string): Promise<LoginProviderRecord | undefined> {
      const row = await ctx.db.selectFrom('login_providers').selectAll().where('id', '=', id).executeTakeFirst();
      return row === undefined ? undefined : fromRow(row);
    },

    async listLoginProviders(): Promise<LoginProviderRecord[]> {
      return (await ctx.db.selectFrom('login_providers').selectAll().orderBy('id').execute()).map(fromRow);
    },

    async updateLoginProvider(id, patch, now, audit): Promise<LoginProviderRecord | undefined> {
      return ctx.write(async (db) => {
        const row = await ctx.dialect.lockRows(db.selectFrom('login_providers').selectAll().where('id', '=', id)).executeTakeFirst();
        if (row === undefined) return undefined;
        const defined = Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined));
        const updated: LoginProviderRecord = { ...fromRow(row), ...defined, updatedAt: now };
        const { id: _id, created_at: _created, ...columns } = toRow(updated);
        await db.updateTable('login_providers').set(columns).where('id', '=', id).execute();
        await appendAuditInTransaction(ctx, db, audit(updated));
        return updated;
      });
    },

    async deleteLoginProvider(id: string, audit: readonly AuditInput[]): Promise<boolean> {
      return ctx.write(async (db) => {
        await db.deleteFrom('login_requests').where('provider_id', '=', id).execute();
        const result = await db.deleteFrom('login_providers').where('id', '=', id).executeTakeFirst();
        if (result.numDeletedRows === 0n) return false;
        await appendAuditInTransaction(ctx, db, audit);
        return true;
      });
    },

    async saveLoginRequest(record: LoginRequestRecord): Promise<void> {
      await ctx.write(async (db) => {
        await db
          .insertInto('login_requests')
          .values({ state_hash: record.stateHash, provider_id: record.providerId, sealed: record.sealed, return_to: record.returnTo, expires_at: record.expiresAt })
          .execute();
      });
    },

    async claimLoginRequest(stateHash: string, now: number): Promise<LoginRequestRecord | undefined> {
      // One conditional delete: of two callbacks racing with one state, only one gets the row.
      const row = await ctx.write((db) => db.deleteFrom('login_requests').where('state_hash', '=', stateHash).where('expires_at', '>', now).returningAll().executeTakeFirst());
      return row === undefined ? undefined : requestFromRow(row);
    },

    async pruneLoginRequests(now: number): Promise<number> {
      const result = await ctx.write((db) => db.deleteFrom('login_requests').where('expires_at', '<=', now).executeTakeFirst());
      return Number(result.numDeletedRows);
    },
  };
}

function toRow(r: LoginProviderRecord): LoginProvidersTable {
  return {
    id: r.id,
    display_name: r.displayName,
    issuer: r.issuer,
    client_id: r.clientId,
    client_secret: r.clientSecret,
    scopes: toJson(r.scopes),
    claims: toJson(r.claims),
    group_roles: toJson(r.groupRoles),
    allowed_domains: toJson(r.allowedDomains),
    just_in_time: r.justInTime ? 1 : 0,
    created_at: r.createdAt,
    updated_at: r.updatedAt,
  };
}

function fromRow(row: Selectable<LoginProvidersTable>): LoginProviderRecord {
  return {
    id: row.id,
    displayName: row.display_name,
    issuer: row.issuer,
    clientId: row.client_id,
    clientSecret: row.client_secret,
    scopes: fromJson<string[]>(row.scopes),
    claims: fromJson<ClaimMapping>(row.claims),
    groupRoles: fromJson<Record<string, UserRole[]>>(row.group_roles),
    allowedDomains: fromJson<string[]>(row.allowed_domains),
    justInTime: Number(row.just_in_time) === 1,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

function requestFromRow(row: Selectable<LoginRequestsTable>): LoginRequestRecord {
  return { stateHash: row.state_hash, providerId: row.provider_id, sealed: row.sealed, returnTo: row.return_to, expiresAt: Number(row.expires_at) };
}
