import type { Selectable } from 'kysely';
import { ConflictError } from '../ports/conflict-error.js';
import type { PasskeyRecord, PasskeyStore, WebAuthnChallengeRecord, WebAuthnPurpose } from '../ports/passkey-store.js';
import type { AuditInput } from '../records.js';
import { appendAuditInTransaction } from './commit-units.js';
import { fromJson, toJson } from './json.js';
import type { PasskeysTable, WebAuthnChallengesTable } from './passkey-tables.js';
import type { SqlContext } from './sql-context.js';

/** `PasskeyStore` over Kysely, for SQLite and PostgreSQL alike. */
export function sqlPasskeyStore(ctx: SqlContext): PasskeyStore {
  return {
    async createPasskey(record: PasskeyRecord, audit: readonly AuditInput[]): Promise<void> {
      try {
        await ctx.write(async (db) => {
          await db.insertInto('passkeys').values(toRow(record)).execute();
          await appendAuditInTransaction(ctx, db, audit);
        });
      } catch (error) {
        if (ctx.dialect.isUniqueViolation(error)) throw new ConflictError('credential id already registered');
        throw error;
      }
    },

    async getPasskey(credentialId: string): Promise<PasskeyRecord | undefined> {
      const row = await ctx.db.selectFrom('passkeys').selectAll().where('credential_id', '=', credentialId).executeTakeFirst();
      return row === undefined ? undefined : fromRow(row);
    },

    async listPasskeys(userId: string): Promise<PasskeyRecord[]> {
      const rows = await ctx.db.selectFrom('passkeys').selectAll().where('user_id', '=', userId).orderBy('created_at').orderBy('credential_id').execute();
      return rows.map(fromRow);
    },

    async deletePasskey(userId: string, credentialId: string, audit: readonly AuditInput[]): Promise<boolean> {
      return ctx.write(async (db) => {
        const result = await db.deleteFrom('passkeys').where('credential_id', '=', credentialId).where('user_id', '=', userId).executeTakeFirst();
        if (result.numDeletedRows === 0n) return false;
        await appendAuditInTransaction(ctx, db, audit);
        return true;
      });
    },

    async recordPasskeyUse(credentialId: string, expectedCounter: number, counter: number, now: number): Promise<boolean> {
      const result = await ctx.write((db) =>
        db.updateTable('passkeys').set({ counter, last_used_at: now }).where('credential_id', '=', credentialId).where('counter', '=', expectedCounter).executeTakeFirst(),
      );
      return result.numUpdatedRows === 1n;
    },

    async saveWebAuthnChallenge(record: WebAuthnChallengeRecord): Promise<void> {
      await ctx.write(async (db) => {
        await db
          .insertInto('webauthn_challenges')
          .values({ challenge_hash: record.challengeHash, purpose: record.purpose, binding_hash: record.bindingHash, user_id: record.userId, expires_at: record.expiresAt })
          .execute();
      });
    },

    async claimWebAuthnChallenge(challengeHash: string, purpose: WebAuthnPurpose, now: number): Promise<WebAuthnChallengeRecord | undefined> {
      // One conditional delete: of two responses racing with one challenge, only one gets the row.
      const row = await ctx.write((db) =>
        db.deleteFrom('webauthn_challenges').where('challenge_hash', '=', challengeHash).where('purpose', '=', purpose).where('expires_at', '>', now).returningAll().executeTakeFirst(),
      );
      return row === undefined ? undefined : challengeFromRow(row);
    },

    async pruneWebAuthnChallenges(now: number): Promise<number> {
      const result = await ctx.write((db) => db.deleteFrom('webauthn_challenges').where('expires_at', '<=', now).executeTakeFirst());
      return Number(result.numDeletedRows);
    },
  };
}

function toRow(r: PasskeyRecord): PasskeysTable {
  return {
    credential_id: r.credentialId,
    user_id: r.userId,
    public_key: r.publicKey,
    counter: r.counter,
    transports: toJson(r.transports),
    name: r.name,
    backed_up: r.backedUp ? 1 : 0,
    created_at: r.createdAt,
    last_used_at: r.lastUsedAt,
  };
}

function fromRow(row: Selectable<PasskeysTable>): PasskeyRecord {
  return {
    credentialId: row.credential_id,
    userId: row.user_id,
    publicKey: row.public_key,
    counter: Number(row.counter),
    transports: fromJson<string[]>(row.transports),
    name: row.name,
    backedUp: Number(row.backed_up) === 1,
    createdAt: Number(row.created_at),
    lastUsedAt: row.last_used_at === null ? null : Number(row.last_used_at),
  };
}

function challengeFromRow(row: Selectable<WebAuthnChallengesTable>): WebAuthnChallengeRecord {
  return {
    challengeHash: row.challenge_hash,
    purpose: row.purpose === 'register' ? 'register' : 'sign_in',
    bindingHash: row.binding_hash,
    userId: row.user_id,
    expiresAt: Number(row.expires_at),
  };
}
