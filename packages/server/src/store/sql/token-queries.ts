import type { IssuedTokenRecord, RevokedTokenRecord } from '../records.js';
import { issuedTokenFromRow, revokedTokenFromRow, revokedTokenToRow } from './rows.js';
import type { SqlContext } from './sql-context.js';

/*
 * Issued and revoked tokens (store.ts `TokenStore`). Issued tokens are written by `commitUnits`
 * (the group commit), never one by one.
 */

/** `TokenStore.getIssuedToken`. */
export async function getIssuedToken(ctx: SqlContext, jti: string): Promise<IssuedTokenRecord | undefined> {
  const row = await ctx.db.selectFrom('issued_tokens').selectAll().where('jti', '=', jti).executeTakeFirst();
  return row === undefined ? undefined : issuedTokenFromRow(row);
}

/** `TokenStore.revokeToken` (RFC 7009 §2.2): one conditional insert, so it is idempotent. */
export async function revokeToken(ctx: SqlContext, record: RevokedTokenRecord): Promise<boolean> {
  return ctx.write(async (db) => {
    const inserted = await db
      .insertInto('revoked_tokens')
      .values(revokedTokenToRow(record))
      .onConflict((oc) => oc.column('jti').doNothing())
      .returning('jti')
      .execute();
    return inserted.length === 1;
  });
}

/** `TokenStore.isTokenRevoked`. */
export async function isTokenRevoked(ctx: SqlContext, jti: string): Promise<boolean> {
  const row = await ctx.db.selectFrom('revoked_tokens').select('jti').where('jti', '=', jti).executeTakeFirst();
  return row !== undefined;
}

/** `TokenStore.listRevokedTokensSince`: oldest revocation first. */
export async function listRevokedTokensSince(ctx: SqlContext, since: number): Promise<RevokedTokenRecord[]> {
  const rows = await ctx.db.selectFrom('revoked_tokens').selectAll().where('revoked_at', '>=', since).orderBy('revoked_at').orderBy('jti').execute();
  return rows.map(revokedTokenFromRow);
}

/**
 * `TokenStore.pruneExpired`: deletes issued tokens, revocations and replay claims whose
 * `expiresAt` is before `now`, and signing keys past their `expiresAt` (no longer published, so
 * nothing can use them). Returns how many rows went.
 */
export async function pruneExpired(ctx: SqlContext, now: number): Promise<number> {
  return ctx.write(async (db) => {
    let deleted = 0n;
    for (const table of ['issued_tokens', 'revoked_tokens', 'replay_claims', 'signing_keys'] as const) {
      const result = await db.deleteFrom(table).where('expires_at', '<', now).executeTakeFirst();
      deleted += result.numDeletedRows;
    }
    return Number(deleted);
  });
}
