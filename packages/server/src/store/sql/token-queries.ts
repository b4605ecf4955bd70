import { setTimeout as sleep } from 'node:timers/promises';
import type { AuditInput, IssuedTokenRecord, RevokedTokenRecord } from '../records.js';
import type { Page, PageRequest } from '../ports/page.js';
import type { TokenState, TokenStore } from '../ports/token-store.js';
import { checkLimit, toPage } from './pagination.js';
import { agentStandingFromRow, issuedTokenFromRow, revokedTokenFromRow, revokedTokenToRow } from './rows.js';
import { preparedQuery } from './prepared-query.js';
import type { SqlContext } from './sql-context.js';
import { appendAuditInTransaction } from './commit-units.js';

/** The hot reads (token exchange, introspection), compiled once (`preparedQuery`). */
const selectIssuedToken = preparedQuery(1, (db, jti) => db.selectFrom('issued_tokens').selectAll().where('jti', '=', jti));
const selectRevokedJti = preparedQuery(1, (db, jti) => db.selectFrom('revoked_tokens').select('jti').where('jti', '=', jti));
const selectTokenState = preparedQuery(1, (db, jti) =>
  db
    .selectFrom('issued_tokens')
    .leftJoin('agents', 'agents.id', 'issued_tokens.agent_id')
    .selectAll('issued_tokens')
    // The agent's standing only (AgentStanding): its whole row, JSON columns and all, cost more
    // to read and convert than the rest of the query.
    .select(['agents.status as agent_status', 'agents.revoked_before as agent_revoked_before'])
    .select((eb) => eb.exists(eb.selectFrom('revoked_tokens').select('revoked_tokens.jti').where('revoked_tokens.jti', '=', jti)).as('revoked'))
    .where('issued_tokens.jti', '=', jti),
);

function encodeTokenCursor(last: IssuedTokenRecord): string {
  return Buffer.from(`${last.issuedAt}.${last.jti}`, 'utf8').toString('base64url');
}

function decodeTokenCursor(cursor: string): { issuedAt: number; jti: string } {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const match = /^(0|[1-9][0-9]{0,14})\.(.{1,128})$/s.exec(text);
  if (match === null || Buffer.from(text, 'utf8').toString('base64url') !== cursor) throw new RangeError('invalid cursor');
  return { issuedAt: Number(match[1]), jti: match[2] as string };
}

/** Rows one pruning transaction deletes at most: small enough to hold the write lock ~1 ms. */
export const PRUNE_CHUNK = 500;
/** How much longer than a chunk took pruning pauses before the next one (see `inChunks`). */
const PRUNE_PAUSE_FACTOR = 4;

/** Each table's key, by which a chunk of its expired rows is named (`replay_claims` goes by range). */
const PRUNED = [
  ['issued_tokens', 'jti'],
  ['revoked_tokens', 'jti'],
  ['signing_keys', 'kid'],
] as const;

/**
 * Runs `deleteChunk` until it deletes fewer than {@link PRUNE_CHUNK} rows; returns the total.
 * Between chunks it pauses {@link PRUNE_PAUSE_FACTOR} times as long as the chunk took, so pruning
 * takes a fifth of the process at most. Back to back (yielding only to the event loop), a pass over
 * a minute of tokens issued at thousands a second kept SQLite's connection, and on SQLite the event
 * loop, busy for a second or more, pushing a server at half its peak past it meanwhile: measured,
 * the 10 s run at half load that met such a pass had a p99 of 62 ms (paced: 10 ms; 6-9 ms without
 * a pass). Paced, SQLite still prunes ~30,000 rows a second (~3 ms of CPU per chunk).
 */
async function inChunks(deleteChunk: () => Promise<number>): Promise<number> {
  let deleted = 0;
  for (;;) {
    const started = performance.now();
    const chunk = await deleteChunk();
    deleted += chunk;
    if (chunk < PRUNE_CHUNK) return deleted;
    await sleep(Math.max(1, (performance.now() - started) * PRUNE_PAUSE_FACTOR));
  }
}

async function isRevoked(ctx: SqlContext, jti: string): Promise<boolean> {
  return (await selectRevokedJti(ctx, jti)).length > 0;
}

/**
 * Issued and revoked tokens (`TokenStore`) over Kysely, for SQLite and PostgreSQL alike. Issued
 * tokens are written by the commit log (`commit-units.ts`), never one by one.
 */
export function sqlTokenStore(ctx: SqlContext): TokenStore {
  return {
    async getIssuedToken(jti: string): Promise<IssuedTokenRecord | undefined> {
      const [row] = await selectIssuedToken(ctx, jti);
      return row === undefined ? undefined : issuedTokenFromRow(row);
    },

    /**
     * The issued-token row, its revocation and its agent's standing in one query
     * (token exchange and introspection read all three for every token presented). Only a `jti` with
     * no issued row (pruned, or not ours) takes a second query for the revocation alone.
     */
    async getTokenState(jti: string): Promise<TokenState> {
      const [row] = await selectTokenState(ctx, jti);
      if (row === undefined) return { issued: undefined, revoked: await isRevoked(ctx, jti), agent: undefined };
      const issued = issuedTokenFromRow({
        jti: row.jti,
        agent_id: row.agent_id,
        client_id: row.client_id,
        issued_at: row.issued_at,
        expires_at: row.expires_at,
        parent_jti: row.parent_jti,
        token_digest: row.token_digest,
      });
      // A left join: the agent's columns are null once it is deleted (`status` is never null otherwise).
      const agent = row.agent_status === null ? undefined : agentStandingFromRow(row.agent_id, row.agent_status, row.agent_revoked_before);
      // PostgreSQL answers EXISTS with a boolean, SQLite with 1 or 0.
      return { issued, revoked: row.revoked === true || Number(row.revoked) === 1, agent };
    },

    /** `TokenStore.revokeToken` (RFC 7009 §2.2): one conditional insert, so it is idempotent. */
    async revokeToken(record: RevokedTokenRecord, audit?: (fresh: boolean) => readonly AuditInput[]): Promise<boolean> {
      return ctx.write(async (db) => {
        const inserted = await db
          .insertInto('revoked_tokens')
          .values(revokedTokenToRow(record))
          .onConflict((oc) => oc.column('jti').doNothing())
          .returning('jti')
          .execute();
        const fresh = inserted.length === 1;
        if (audit !== undefined) await appendAuditInTransaction(ctx, db, audit(fresh));
        return fresh;
      });
    },

    isTokenRevoked(jti: string): Promise<boolean> {
      return isRevoked(ctx, jti);
    },

    /** Oldest revocation first. */
    async listRevokedTokensSince(since: number): Promise<RevokedTokenRecord[]> {
      const rows = await ctx.db.selectFrom('revoked_tokens').selectAll().where('revoked_at', '>=', since).orderBy('revoked_at').orderBy('jti').execute();
      return rows.map(revokedTokenFromRow);
    },

    /**
     * Only the live tokens are read (`issued_tokens_expires_idx`), then
     * filtered by agent: there is deliberately no index on `agent_id`, nor on `client_id` for tokens
     * not exchanged (0010-issued-token-digest), since every token issued would pay for it. An admin
     * listing scans the tokens of every agent that are still live instead (minutes' worth by default).
     *
     * The cursor is the last row's `issued_at` and `jti` (`<ms>.<jti>`, base64url); one that is not
     * exactly that is a `RangeError`.
     */
    async listAgentTokens(agentId: string, now: number, page: PageRequest): Promise<Page<IssuedTokenRecord>> {
      const limit = checkLimit(page.limit);
      let query = ctx.db
        .selectFrom('issued_tokens')
        .selectAll()
        .where('expires_at', '>', now)
        .where((eb) => eb.or([eb('agent_id', '=', agentId), eb('client_id', '=', agentId)]));
      if (page.after !== undefined) {
        const after = decodeTokenCursor(page.after);
        query = query.where((eb) => eb(eb.refTuple('issued_at', 'jti'), '>', eb.tuple(after.issuedAt, after.jti)));
      }
      const rows = await query.orderBy('issued_at').orderBy('jti').limit(limit + 1).execute();
      return toPage(rows.map(issuedTokenFromRow), { limit }, encodeTokenCursor);
    },

    /**
     * Deletes issued tokens, revocations and replay claims whose
     * `expiresAt` is before `now`, and signing keys past their `expiresAt` (no longer published, so
     * nothing can use them). Returns how many rows went.
     *
     * In chunks of {@link PRUNE_CHUNK} rows, one transaction each, paced (`inChunks`): a server issuing
     * thousands of tokens a second has a minute's worth (hundreds of thousands of rows) to prune at
     * every pass, and one transaction deleting them all held SQLite's write lock (and, on SQLite, the
     * event loop) for tens of milliseconds, which every request in flight waited out.
     */
    async pruneExpired(now: number): Promise<number> {
      let deleted = 0;
      for (const [table, key] of PRUNED) {
        deleted += await inChunks(() =>
          ctx.write(async (db) => {
            // `db` is typed per table below; the three share `expires_at` and a text key.
            const expired = db.selectFrom(table).select(key).where('expires_at', '<', now).limit(PRUNE_CHUNK);
            return Number((await db.deleteFrom(table).where(key, 'in', expired).executeTakeFirst()).numDeletedRows);
          }),
        );
      }
      // Keyed by `(expires_at, key)`: the expired claims are the start of the primary key, and a chunk
      // is a range of it up to its PRUNE_CHUNK-th row (thousands of claims share one expiry: credentials
      // carry whole seconds), which both databases delete by walking the index, row values and all.
      deleted += await inChunks(() =>
        ctx.write(async (db) => {
          const last = await db
            .selectFrom('replay_claims')
            .select(['expires_at', 'key'])
            .where('expires_at', '<', now)
            .orderBy('expires_at')
            .orderBy('key')
            .offset(PRUNE_CHUNK - 1)
            .limit(1)
            .executeTakeFirst();
          let expired = db.deleteFrom('replay_claims').where('expires_at', '<', now);
          if (last !== undefined) expired = expired.where((eb) => eb(eb.refTuple('expires_at', 'key'), '<=', eb.tuple(last.expires_at, last.key)));
          return Number((await expired.executeTakeFirst()).numDeletedRows);
        }),
      );
      return deleted;
    },
  };
}
