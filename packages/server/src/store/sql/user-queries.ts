import type { Selectable } from 'kysely';
import { ConflictError } from '../ports/conflict-error.js';
import type { LoginFailureResult, SessionRecord, SessionStage, UserPatch, UserRecord, UserRole, UserStatus, UserStore } from '../ports/user-store.js';
import type { AuditInput } from '../records.js';
import { appendAuditInTransaction } from './commit-units.js';
import { fromJson, toJson } from './json.js';
import type { SqlContext } from './sql-context.js';
import type { UserSessionsTable, UsersTable } from './user-tables.js';

/** `UserStore` over Kysely, for SQLite and PostgreSQL alike. */
export function sqlUserStore(ctx: SqlContext): UserStore {
  const conflict = (error: unknown): never => {
    if (ctx.dialect.isUniqueViolation(error)) throw new ConflictError('email already taken');
    throw error;
  };

  return {
    async createUser(record: UserRecord, audit: readonly AuditInput[]): Promise<void> {
      try {
        await ctx.write(async (db) => {
          await db.insertInto('users').values(toRow(record)).execute();
          await appendAuditInTransaction(ctx, db, audit);
        });
      } catch (error) {
        conflict(error);
      }
    },

    async getUser(id: string): Promise<UserRecord | undefined> {
      const row = await ctx.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
      return row === undefined ? undefined : fromRow(row);
    },

    async getUserByEmail(email: string): Promise<UserRecord | undefined> {
      const row = await ctx.db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
      return row === undefined ? undefined : fromRow(row);
    },

    async listUsers(page: { limit: number; after?: string }): Promise<UserRecord[]> {
      let query = ctx.db.selectFrom('users').selectAll().orderBy('id').limit(page.limit);
      if (page.after !== undefined) query = query.where('id', '>', page.after);
      return (await query.execute()).map(fromRow);
    },

    async updateUser(id, patch, now, audit, options = {}): Promise<UserRecord | undefined> {
      try {
        return await ctx.write(async (db) => {
          const row = await ctx.dialect.lockRows(db.selectFrom('users').selectAll().where('id', '=', id)).executeTakeFirst();
          if (row === undefined) return undefined;
          const updated: UserRecord = { ...fromRow(row), ...definedOnly(patch), updatedAt: now };
          const { id: _id, created_at: _created, ...columns } = toRow(updated);
          await db.updateTable('users').set(columns).where('id', '=', id).execute();
          if (options.endSessions === true) await db.deleteFrom('user_sessions').where('user_id', '=', id).execute();
          await appendAuditInTransaction(ctx, db, audit(updated));
          return updated;
        });
      } catch (error) {
        return conflict(error);
      }
    },

    async deleteUser(id: string, audit: readonly AuditInput[]): Promise<boolean> {
      return ctx.write(async (db) => {
        await db.deleteFrom('user_sessions').where('user_id', '=', id).execute();
        const result = await db.deleteFrom('users').where('id', '=', id).executeTakeFirst();
        if (result.numDeletedRows === 0n) return false;
        await appendAuditInTransaction(ctx, db, audit);
        return true;
      });
    },

    async recordLoginFailure(id, now, threshold, lockMs, audit): Promise<LoginFailureResult | undefined> {
      return ctx.write(async (db) => {
        const row = await ctx.dialect.lockRows(db.selectFrom('users').select(['failed_logins']).where('id', '=', id)).executeTakeFirst();
        if (row === undefined) return undefined;
        const count = Number(row.failed_logins) + 1;
        const result: LoginFailureResult = count >= threshold ? { failedLogins: 0, lockedUntil: now + lockMs } : { failedLogins: count, lockedUntil: null };
        await db
          .updateTable('users')
          .set(result.lockedUntil === null ? { failed_logins: count } : { failed_logins: 0, locked_until: result.lockedUntil, updated_at: now })
          .where('id', '=', id)
          .execute();
        if (result.lockedUntil !== null) await appendAuditInTransaction(ctx, db, audit(result));
        return result;
      });
    },

    async claimTotpStep(id: string, step: number): Promise<boolean> {
      return ctx.write(async (db) => {
        const result = await db
          .updateTable('users')
          .set({ totp_last_step: step })
          .where('id', '=', id)
          .where((eb) => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', step)]))
          .executeTakeFirst();
        return result.numUpdatedRows === 1n;
      });
    },

    async createSession(record: SessionRecord, audit: readonly AuditInput[], replaces?: string): Promise<boolean> {
      return ctx.write(async (db) => {
        if (replaces !== undefined) {
          const gone = await db.deleteFrom('user_sessions').where('id_hash', '=', replaces).where('user_id', '=', record.userId).executeTakeFirst();
          if (gone.numDeletedRows === 0n) return false;
        }
        await db.insertInto('user_sessions').values(sessionToRow(record)).execute();
        if (record.stage === 'signed_in') {
          await db.updateTable('users').set({ failed_logins: 0, locked_until: null, last_login_at: record.createdAt }).where('id', '=', record.userId).execute();
        }
        await appendAuditInTransaction(ctx, db, audit);
        return true;
      });
    },

    async getSession(idHash: string): Promise<SessionRecord | undefined> {
      const row = await ctx.db.selectFrom('user_sessions').selectAll().where('id_hash', '=', idHash).executeTakeFirst();
      return row === undefined ? undefined : sessionFromRow(row);
    },

    async touchSession(idHash: string, now: number): Promise<void> {
      await ctx.write((db) => db.updateTable('user_sessions').set({ last_seen_at: now }).where('id_hash', '=', idHash).where('last_seen_at', '<', now).execute());
    },

    async deleteSession(idHash: string, audit: readonly AuditInput[]): Promise<boolean> {
      return ctx.write(async (db) => {
        const result = await db.deleteFrom('user_sessions').where('id_hash', '=', idHash).executeTakeFirst();
        if (result.numDeletedRows === 0n) return false;
        await appendAuditInTransaction(ctx, db, audit);
        return true;
      });
    },

    async pruneSessions(now: number, idleMs: number): Promise<number> {
      return ctx.write(async (db) => {
        const result = await db
          .deleteFrom('user_sessions')
          .where((eb) => eb.or([eb('expires_at', '<=', now), eb('last_seen_at', '<=', now - idleMs)]))
          .executeTakeFirst();
        return Number(result.numDeletedRows);
      });
    },
  };
}

/** A patch without its absent members, so `{ email: undefined }` changes nothing. */
function definedOnly(patch: UserPatch): UserPatch {
  return Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined)) as UserPatch;
}

function toRow(r: UserRecord): UsersTable {
  return {
    id: r.id,
    email: r.email,
    name: r.name,
    groups: toJson(r.groups),
    roles: toJson(r.roles),
    status: r.status,
    password_hash: r.passwordHash,
    totp_secret: r.totpSecret,
    totp_pending: r.totpPending,
    totp_last_step: r.totpLastStep,
    failed_logins: r.failedLogins,
    locked_until: r.lockedUntil,
    created_at: r.createdAt,
    updated_at: r.updatedAt,
    last_login_at: r.lastLoginAt,
  };
}

function fromRow(row: Selectable<UsersTable>): UserRecord {
  const orNull = (value: number | null) => (value === null ? null : Number(value));
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    groups: fromJson<string[]>(row.groups),
    roles: fromJson<UserRole[]>(row.roles),
    status: row.status as UserStatus,
    passwordHash: row.password_hash,
    totpSecret: row.totp_secret,
    totpPending: row.totp_pending,
    totpLastStep: orNull(row.totp_last_step),
    failedLogins: Number(row.failed_logins),
    lockedUntil: orNull(row.locked_until),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    lastLoginAt: orNull(row.last_login_at),
  };
}

function sessionToRow(r: SessionRecord): UserSessionsTable {
  return { id_hash: r.idHash, user_id: r.userId, stage: r.stage, created_at: r.createdAt, last_seen_at: r.lastSeenAt, expires_at: r.expiresAt };
}

function sessionFromRow(row: Selectable<UserSessionsTable>): SessionRecord {
  return {
    idHash: row.id_hash,
    userId: row.user_id,
    stage: row.stage as SessionStage,
    createdAt: Number(row.created_at),
    lastSeenAt: Number(row.last_seen_at),
    expiresAt: Number(row.expires_at),
  };
}
