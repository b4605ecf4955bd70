import type { TokenLineageStore } from '../ports/token-lineage-store.js';
import type { AuditInput, IssuedTokenRecord, RevokedTokenRecord } from '../records.js';
import { appendAuditInTransaction } from './commit-units.js';
import { issuedTokenFromRow, revokedTokenToRow } from './rows.js';
import type { SqlContext } from './sql-context.js';

/**
 * The lineage of exchanged tokens (`TokenLineageStore`) over Kysely, for SQLite and PostgreSQL
 * alike: walks `issued_tokens.parent_jti` and `issued_tokens.client_id`,
 * both indexed for exchanged tokens only (partial indexes `WHERE parent_jti IS NOT NULL` since
 * 0010-issued-token-digest; both queries here imply that condition).
 */
export function sqlTokenLineageStore(ctx: SqlContext): TokenLineageStore {
  return {
    async listChildTokens(parentJtis: readonly string[], limit: number): Promise<IssuedTokenRecord[]> {
      const out: IssuedTokenRecord[] = [];
      for (const chunk of ctx.chunks(parentJtis.map((jti) => ({ jti })), 1)) {
        if (out.length >= limit) break;
        const rows = await ctx.db
          .selectFrom('issued_tokens')
          .selectAll()
          .where(
            'parent_jti',
            'in',
            chunk.map((c) => c.jti),
          )
          .orderBy('issued_at')
          .orderBy('jti')
          .limit(limit - out.length)
          .execute();
        out.push(...rows.map(issuedTokenFromRow));
      }
      return out;
    },

    async listTokensExchangedBy(clientId: string, now: number, limit: number): Promise<IssuedTokenRecord[]> {
      const rows = await ctx.db
        .selectFrom('issued_tokens')
        .selectAll()
        .where('client_id', '=', clientId)
        .where('parent_jti', 'is not', null)
        .where('expires_at', '>', now)
        .orderBy('issued_at')
        .orderBy('jti')
        .limit(limit)
        .execute();
      return rows.map(issuedTokenFromRow);
    },

    async revokeTokens(records: readonly RevokedTokenRecord[], audit?: (newly: readonly string[]) => readonly AuditInput[]): Promise<string[]> {
      if (records.length === 0) return [];
      return ctx.write(async (db) => {
        const revoked: string[] = [];
        for (const chunk of ctx.chunks(records.map(revokedTokenToRow), 4)) {
          const inserted = await db
            .insertInto('revoked_tokens')
            .values(chunk)
            .onConflict((oc) => oc.column('jti').doNothing())
            .returning('jti')
            .execute();
          revoked.push(...inserted.map((row) => row.jti));
        }
        if (audit !== undefined && revoked.length > 0) await appendAuditInTransaction(ctx, db, audit(revoked));
        return revoked;
      });
    },
  };
}

