import type { Selectable } from 'kysely';
import type { AuthorizationGrantRecord, AuthorizationStore, ConsentRecord, GrantUseResult, PublicClientRecord } from '../ports/authorization-store.js';
import { ConflictError } from '../ports/conflict-error.js';
import type { AuditInput } from '../records.js';
import type { AuthorizationGrantsTable, ConsentsTable, PublicClientsTable } from './authorization-tables.js';
import { appendAuditInTransaction } from './commit-units.js';
import { fromJson, toJson } from './json.js';
import type { SqlContext } from './sql-context.js';

/** `AuthorizationStore` over Kysely, for SQLite and PostgreSQL alike. Single use is one conditional UPDATE each. */
export function sqlAuthorizationStore(ctx: SqlContext): AuthorizationStore {
  const grantById = async (id: string) => {
    const row = await ctx.db.selectFrom('authorization_grants').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : grantFromRow(row);
  };
  return {
    async registerPublicClient(record: PublicClientRecord, audit: readonly AuditInput[]): Promise<void> {
      try {
        await ctx.write(async (db) => {
          await db
            .insertInto('public_clients')
            .values({ client_id: record.clientId, name: record.name, redirect_uris: toJson(record.redirectUris), scopes: toJson(record.scopes), created_at: record.createdAt })
            .execute();
          await appendAuditInTransaction(ctx, db, audit);
        });
      } catch (error) {
        if (ctx.dialect.isUniqueViolation(error)) throw new ConflictError('client_id already registered');
        throw error;
      }
    },

    async getPublicClient(clientId: string): Promise<PublicClientRecord | undefined> {
      const row = await ctx.db.selectFrom('public_clients').selectAll().where('client_id', '=', clientId).executeTakeFirst();
      return row === undefined ? undefined : clientFromRow(row);
    },

    async rememberMetadataClient(record: PublicClientRecord): Promise<void> {
      const refreshed = { name: record.name, redirect_uris: toJson(record.redirectUris), scopes: toJson(record.scopes) };
      await ctx.write((db) =>
        db
          .insertInto('public_clients')
          .values({ client_id: record.clientId, ...refreshed, created_at: record.createdAt })
          .onConflict((oc) => oc.column('client_id').doUpdateSet(refreshed))
          .execute(),
      );
    },

    async createAuthorizationGrant(record: AuthorizationGrantRecord, audit: readonly AuditInput[]): Promise<void> {
      await ctx.write(async (db) => {
        await db.insertInto('authorization_grants').values(grantToRow(record)).execute();
        await appendAuditInTransaction(ctx, db, audit);
      });
    },

    async redeemAuthorizationCode(codeHash, now, refresh): Promise<GrantUseResult> {
      const updated = await ctx.write((db) =>
        db
          .updateTable('authorization_grants')
          .set({ code_used_at: now, refresh_hash: refresh.hash, refresh_expires_at: refresh.expiresAt, refresh_jkt: refresh.jkt })
          .where('code_hash', '=', codeHash)
          .where('code_used_at', 'is', null)
          .where('revoked_at', 'is', null)
          .where('code_expires_at', '>', now)
          .executeTakeFirst(),
      );
      const row = await ctx.db.selectFrom('authorization_grants').selectAll().where('code_hash', '=', codeHash).executeTakeFirst();
      if (row === undefined) return { kind: 'unknown' };
      const grant = grantFromRow(row);
      if (updated.numUpdatedRows === 1n) return { kind: 'ok', grant };
      return grant.codeUsedAt !== null ? { kind: 'reused', grant } : { kind: 'unknown' };
    },

    async rotateRefreshToken(grantId, presentedHash, now, next, jkt): Promise<GrantUseResult> {
      const updated = await ctx.write((db) =>
        db
          .updateTable('authorization_grants')
          .set({ refresh_hash: next.hash, refresh_expires_at: next.expiresAt })
          .where('id', '=', grantId)
          .where('refresh_jkt', jkt === null ? 'is' : '=', jkt)
          .where('refresh_hash', '=', presentedHash)
          .where('revoked_at', 'is', null)
          .where('refresh_expires_at', '>', now)
          .executeTakeFirst(),
      );
      const grant = await grantById(grantId);
      if (grant === undefined) return { kind: 'unknown' };
      if (updated.numUpdatedRows === 1n) return { kind: 'ok', grant };
      const live = grant.revokedAt === null && grant.refreshHash !== null && grant.refreshExpiresAt !== null && grant.refreshExpiresAt > now;
      return live && grant.refreshHash !== presentedHash ? { kind: 'reused', grant } : { kind: 'unknown' };
    },

    async revokeAuthorizationGrants(grantIds, now, audit): Promise<string[]> {
      if (grantIds.length === 0) return [];
      return ctx.write(async (db) => {
        const rows = await db.selectFrom('authorization_grants').select('id').where('id', 'in', [...grantIds]).where('revoked_at', 'is', null).execute();
        const newly = rows.map((r) => r.id);
        if (newly.length === 0) return [];
        await db.updateTable('authorization_grants').set({ revoked_at: now }).where('id', 'in', newly).where('revoked_at', 'is', null).execute();
        await appendAuditInTransaction(ctx, db, audit(newly));
        return newly;
      });
    },

    async listAuthorizationGrants(userId, clientId, limit): Promise<AuthorizationGrantRecord[]> {
      const rows = await ctx.db.selectFrom('authorization_grants').selectAll().where('user_id', '=', userId).where('client_id', '=', clientId).orderBy('id').limit(limit).execute();
      return rows.map(grantFromRow);
    },

    async listUnrevokedGrants(userId, limit): Promise<AuthorizationGrantRecord[]> {
      const rows = await ctx.db.selectFrom('authorization_grants').selectAll().where('user_id', '=', userId).where('revoked_at', 'is', null).orderBy('id').limit(limit).execute();
      return rows.map(grantFromRow);
    },

    async saveConsent(record: ConsentRecord, audit: readonly AuditInput[]): Promise<void> {
      await ctx.write(async (db) => {
        await db.deleteFrom('consents').where('user_id', '=', record.userId).where('client_id', '=', record.clientId).where('resource', '=', record.resource).execute();
        await db
          .insertInto('consents')
          .values({ user_id: record.userId, client_id: record.clientId, resource: record.resource, scopes: toJson(record.scopes), granted_at: record.grantedAt })
          .execute();
        await appendAuditInTransaction(ctx, db, audit);
      });
    },

    async getConsent(userId, clientId, resource): Promise<ConsentRecord | undefined> {
      const row = await ctx.db.selectFrom('consents').selectAll().where('user_id', '=', userId).where('client_id', '=', clientId).where('resource', '=', resource).executeTakeFirst();
      return row === undefined ? undefined : consentFromRow(row);
    },

    async listConsents(userId, limit): Promise<ConsentRecord[]> {
      const rows = await ctx.db.selectFrom('consents').selectAll().where('user_id', '=', userId).orderBy('client_id').orderBy('resource').limit(limit).execute();
      return rows.map(consentFromRow);
    },

    async deleteConsent(userId, clientId, resource, audit): Promise<boolean> {
      return ctx.write(async (db) => {
        const result = await db.deleteFrom('consents').where('user_id', '=', userId).where('client_id', '=', clientId).where('resource', '=', resource).executeTakeFirst();
        if (result.numDeletedRows === 0n) return false;
        await appendAuditInTransaction(ctx, db, audit);
        return true;
      });
    },
  };
}

function clientFromRow(row: Selectable<PublicClientsTable>): PublicClientRecord {
  return { clientId: row.client_id, name: row.name, redirectUris: fromJson<string[]>(row.redirect_uris), scopes: fromJson<string[]>(row.scopes), createdAt: Number(row.created_at) };
}

function grantToRow(g: AuthorizationGrantRecord): AuthorizationGrantsTable {
  return {
    id: g.id,
    code_hash: g.codeHash,
    code_expires_at: g.codeExpiresAt,
    code_used_at: g.codeUsedAt,
    client_id: g.clientId,
    user_id: g.userId,
    redirect_uri: g.redirectUri,
    code_challenge: g.codeChallenge,
    resource: g.resource,
    scopes: toJson(g.scopes),
    refresh_hash: g.refreshHash,
    refresh_expires_at: g.refreshExpiresAt,
    refresh_jkt: g.refreshJkt,
    revoked_at: g.revokedAt,
    created_at: g.createdAt,
  };
}

const nullableNumber = (value: number | null) => (value === null ? null : Number(value));

function grantFromRow(r: Selectable<AuthorizationGrantsTable>): AuthorizationGrantRecord {
  return {
    id: r.id,
    codeHash: r.code_hash,
    codeExpiresAt: Number(r.code_expires_at),
    codeUsedAt: nullableNumber(r.code_used_at),
    clientId: r.client_id,
    userId: r.user_id,
    redirectUri: r.redirect_uri,
    codeChallenge: r.code_challenge,
    resource: r.resource,
    scopes: fromJson<string[]>(r.scopes),
    refreshHash: r.refresh_hash,
    refreshExpiresAt: nullableNumber(r.refresh_expires_at),
    refreshJkt: r.refresh_jkt,
    revokedAt: nullableNumber(r.revoked_at),
    createdAt: Number(r.created_at),
  };
}

function consentFromRow(r: Selectable<ConsentsTable>): ConsentRecord {
  return { userId: r.user_id, clientId: r.client_id, resource: r.resource, scopes: fromJson<string[]>(r.scopes), grantedAt: Number(r.granted_at) };
}
