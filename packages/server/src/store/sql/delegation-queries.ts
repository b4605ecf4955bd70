import type { Kysely, Selectable } from 'kysely';
import type { DelegationRecord, DelegationStore, DelegationUseResult, PersonTokenStanding } from '../ports/delegation-store.js';
import type { UserStatus } from '../ports/user-store.js';
import { appendAuditInTransaction } from './commit-units.js';
import type { Database } from './database.js';
import type { DelegationsTable } from './delegation-tables.js';
import { issuedTokenFromRow } from './rows.js';
import type { SqlContext } from './sql-context.js';

/**
 * `DelegationStore` over Kysely, for SQLite and PostgreSQL alike. Each state change is one
 * conditional UPDATE or INSERT (never a read then a write), so two nodes recording, revoking and
 * resuming the same pair at once agree; scopes and resources are rows of their own, added with a
 * conditional insert each, so no concurrent exchange loses one.
 */
export function sqlDelegationStore(ctx: SqlContext): DelegationStore {
  return {
    async recordDelegationUse(use, audit): Promise<DelegationUseResult> {
      return ctx.write(async (db) => {
        const inserted = await db
          .insertInto('delegations')
          .values({ user_id: use.userId, agent_id: use.agentId, grant_id: use.grantId, client_id: use.clientId, first_used_at: use.at, last_used_at: use.at, revoked_at: null, revoked_before: null })
          .onConflict((oc) => oc.columns(['user_id', 'agent_id']).doNothing())
          .returning('user_id')
          .execute();
        let kind: Exclude<DelegationUseResult['kind'], 'revoked'>;
        if (inserted.length === 1) {
          kind = 'created';
        } else {
          const standing = await db
            .updateTable('delegations')
            .set({ last_used_at: use.at, grant_id: use.grantId, client_id: use.clientId })
            .where('user_id', '=', use.userId)
            .where('agent_id', '=', use.agentId)
            .where('revoked_at', 'is', null)
            .executeTakeFirst();
          if (standing.numUpdatedRows === 1n) {
            kind = 'used';
          } else {
            // The person authorized anew after revoking the pair: it stands again.
            const resumed = await db
              .updateTable('delegations')
              .set({ last_used_at: use.at, grant_id: use.grantId, client_id: use.clientId, revoked_at: null })
              .where('user_id', '=', use.userId)
              .where('agent_id', '=', use.agentId)
              .where('revoked_at', '<', use.grantCreatedAt)
              .executeTakeFirst();
            if (resumed.numUpdatedRows !== 1n) return { kind: 'revoked' };
            kind = 'resumed';
          }
        }
        const values: { user_id: string; agent_id: string; kind: 'scope' | 'resource'; value: string }[] = [...new Set(use.scopes)].map((value) => ({ user_id: use.userId, agent_id: use.agentId, kind: 'scope' as const, value }));
        values.push(...[...new Set(use.resources)].map((value) => ({ user_id: use.userId, agent_id: use.agentId, kind: 'resource' as const, value })));
        if (values.length > 0) await db.insertInto('delegation_scopes').values(values).onConflict((oc) => oc.columns(['user_id', 'agent_id', 'kind', 'value']).doNothing()).execute();
        if (kind !== 'used') await appendAuditInTransaction(ctx, db, audit(kind));
        const record = await readDelegation(db, use.userId, use.agentId);
        if (record === undefined) throw new Error('delegation vanished inside its own transaction');
        return { kind, record };
      });
    },

    getDelegation(userId, agentId): Promise<DelegationRecord | undefined> {
      return readDelegation(ctx.db, userId, agentId);
    },

    async listDelegations(userId, limit): Promise<DelegationRecord[]> {
      const rows = await ctx.db.selectFrom('delegations').selectAll().where('user_id', '=', userId).orderBy('agent_id').limit(limit).execute();
      if (rows.length === 0) return [];
      const values = await ctx.db
        .selectFrom('delegation_scopes')
        .selectAll()
        .where('user_id', '=', userId)
        .where(
          'agent_id',
          'in',
          rows.map((r) => r.agent_id),
        )
        .execute();
      return rows.map((row) => fromRow(row, values.filter((v) => v.agent_id === row.agent_id)));
    },

    async revokeDelegation(userId, agentId, now, audit): Promise<boolean> {
      return ctx.write(async (db) => {
        const result = await db
          .updateTable('delegations')
          .set({ revoked_at: now, revoked_before: now })
          .where('user_id', '=', userId)
          .where('agent_id', '=', agentId)
          .where('revoked_at', 'is', null)
          .executeTakeFirst();
        if (result.numUpdatedRows !== 1n) return false;
        await appendAuditInTransaction(ctx, db, audit);
        return true;
      });
    },

    async listDelegatedTokens(userId, agentId, now, limit) {
      // Exchanged tokens only (parent_jti set): the partial index on (client_id, expires_at) serves it.
      const rows = await ctx.db
        .selectFrom('issued_tokens')
        .selectAll()
        .where('client_id', '=', agentId)
        .where('agent_id', '=', userId)
        .where('parent_jti', 'is not', null)
        .where('expires_at', '>', now)
        .orderBy('issued_at')
        .orderBy('jti')
        .limit(limit)
        .execute();
      return rows.map(issuedTokenFromRow);
    },

    async getPersonTokenStanding(userId, grantId, agentIds): Promise<PersonTokenStanding> {
      const user = await ctx.db.selectFrom('users').select('status').where('id', '=', userId).executeTakeFirst();
      const grant =
        grantId === null ? undefined : await ctx.db.selectFrom('authorization_grants').select(['id', 'user_id', 'client_id', 'revoked_at', 'created_at']).where('id', '=', grantId).executeTakeFirst();
      const delegations =
        agentIds.length === 0
          ? []
          : await ctx.db
              .selectFrom('delegations')
              .select(['user_id', 'agent_id', 'revoked_at', 'revoked_before'])
              .where('user_id', '=', userId)
              .where('agent_id', 'in', [...new Set(agentIds)])
              .execute();
      return {
        userStatus: user === undefined ? undefined : (user.status as UserStatus),
        grant:
          grant === undefined
            ? undefined
            : { id: grant.id, userId: grant.user_id, clientId: grant.client_id, revokedAt: nullableNumber(grant.revoked_at), createdAt: Number(grant.created_at) },
        delegations: delegations.map((d) => ({ userId: d.user_id, agentId: d.agent_id, revokedAt: nullableNumber(d.revoked_at), revokedBefore: nullableNumber(d.revoked_before) })),
      };
    },
  };
}

async function readDelegation(db: Kysely<Database>, userId: string, agentId: string): Promise<DelegationRecord | undefined> {
  const row = await db.selectFrom('delegations').selectAll().where('user_id', '=', userId).where('agent_id', '=', agentId).executeTakeFirst();
  if (row === undefined) return undefined;
  const values = await db.selectFrom('delegation_scopes').selectAll().where('user_id', '=', userId).where('agent_id', '=', agentId).execute();
  return fromRow(row, values);
}

function fromRow(row: Selectable<DelegationsTable>, values: readonly { kind: string; value: string }[]): DelegationRecord {
  return {
    userId: row.user_id,
    agentId: row.agent_id,
    grantId: row.grant_id,
    clientId: row.client_id,
    // Sorted here, by code unit: the two databases' collations differ.
    scopes: values.filter((v) => v.kind === 'scope').map((v) => v.value).sort(),
    resources: values.filter((v) => v.kind === 'resource').map((v) => v.value).sort(),
    firstUsedAt: Number(row.first_used_at),
    lastUsedAt: Number(row.last_used_at),
    revokedAt: nullableNumber(row.revoked_at),
    revokedBefore: nullableNumber(row.revoked_before),
  };
}

function nullableNumber(value: number | null): number | null {
  return value === null ? null : Number(value);
}
