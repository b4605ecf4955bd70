import type { TokenLineageStore } from '../../oauth/exchange/token-lineage-store.js';
import type { IssuedTokenRecord, RevokedTokenRecord } from '../records.js';
import { issuedTokenFromRow, revokedTokenToRow } from './rows.js';
import type { SqlContext } from './sql-context.js';
import type { Store } from '../store.js';

/**
 * `TokenLineageStore` over SQL: walks `issued_tokens.parent_jti` and `issued_tokens.client_id`,
 * both indexed for exchanged tokens only (partial indexes `WHERE parent_jti IS NOT NULL` since
 * 0010-issued-token-digest; both queries here imply that condition).
 */
export class SqlTokenLineageStore implements TokenLineageStore {
  constructor(private readonly ctx: SqlContext) {}

  async listChildren(parentJtis: readonly string[], limit: number): Promise<IssuedTokenRecord[]> {
    const out: IssuedTokenRecord[] = [];
    for (const chunk of this.ctx.chunks(parentJtis.map((jti) => ({ jti })), 1)) {
      if (out.length >= limit) break;
      const rows = await this.ctx.db
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
  }

  async listExchangedBy(clientId: string, now: number, limit: number): Promise<IssuedTokenRecord[]> {
    const rows = await this.ctx.db
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
  }

  async revokeTokens(records: readonly RevokedTokenRecord[]): Promise<string[]> {
    if (records.length === 0) return [];
    return this.ctx.write(async (db) => {
      const revoked: string[] = [];
      for (const chunk of this.ctx.chunks(records.map(revokedTokenToRow), 4)) {
        const inserted = await db
          .insertInto('revoked_tokens')
          .values(chunk)
          .onConflict((oc) => oc.column('jti').doNothing())
          .returning('jti')
          .execute();
        revoked.push(...inserted.map((row) => row.jti));
      }
      return revoked;
    });
  }
}

/** The lineage store over the same database as `store`; throws TypeError for a store without SQL. */
export function tokenLineageStoreOf(store: Store): TokenLineageStore {
  const context = (store as Partial<{ context: SqlContext }>).context;
  if (context === undefined) throw new TypeError('token lineage needs the SQL store (store.context)');
  return new SqlTokenLineageStore(context);
}
