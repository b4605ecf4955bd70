import { sql } from 'kysely';
import type { ReplayClaim, ReplayClaimStore } from '../ports/replay-claim-store.js';
import { replayClaimRows } from './rows.js';
import type { SqlContext } from './sql-context.js';

/**
 * Replay claims outside the commit log (`ReplayClaimStore`) over Kysely, for SQLite and PostgreSQL
 * alike: a process that is the authority on DPoP proofs hands its live ones over at shutdown, and
 * the next one takes them back (main/wire-dpop.ts).
 */
export function sqlReplayClaimStore(ctx: SqlContext): ReplayClaimStore {
  return {
    /** Inserts each pair once (an existing pair is left as it is). */
    async keepReplayClaims(claims: readonly ReplayClaim[]): Promise<void> {
      // In primary-key order, like the group commit's claims, in chunks the dialect can bind.
      for (const chunk of ctx.chunks(replayClaimRows(claims), 2)) {
        await ctx.write((db) =>
          db
            .insertInto('replay_claims')
            .values(chunk)
            .onConflict((oc) => oc.columns(['expires_at', 'key']).doNothing())
            .execute(),
        );
      }
    },

    /** The claims whose key starts with `prefix` and expire after `now`. */
    async liveReplayClaims(prefix: string, now: number): Promise<ReplayClaim[]> {
      if (prefix === '') throw new TypeError('prefix must not be empty');
      const rows = await ctx.db
        .selectFrom('replay_claims')
        .select(['expires_at', 'key'])
        .where('expires_at', '>', now)
        // Exact in both databases: not LIKE (case-insensitive in SQLite), not a range of text (its
        // order follows the PostgreSQL database's collation).
        .where(sql<string>`substr(key, 1, ${prefix.length})`, '=', prefix)
        .orderBy('expires_at')
        .execute();
      return rows.map((row) => ({ key: row.key, expiresAt: Number(row.expires_at) }));
    },
  };
}
