import { sql, type Kysely } from 'kysely';
import { AGENT_PATCH_FIELDS, type AgentPatch, type AgentRecord, type AgentStanding, type AgentStatus, type AuditInput, type CredentialRecord, type NewAgent } from '../records.js';
import { ConflictError } from '../ports/conflict-error.js';
import type { AgentFilter, AgentStore, AgentUpdate } from '../ports/agent-store.js';
import { appendAuditInTransaction } from './commit-units.js';
import type { Page, PageRequest } from '../ports/page.js';
import type { Database } from './database.js';
import { checkLimit, decodeIdCursor, encodeIdCursor, toPage } from './pagination.js';
import { agentFromRow, agentStandingFromRow, agentToRow, credentialFromRow, credentialToRow } from './rows.js';
import { preparedQuery } from './prepared-query.js';
import type { SqlContext } from './sql-context.js';

async function bumpChangeCounter(db: Kysely<Database>): Promise<void> {
  await db
    .updateTable('agents_change')
    .set((eb) => ({ counter: eb('counter', '+', 1) }))
    .where('id', '=', 1)
    .execute();
}

async function writeLabels(db: Kysely<Database>, agentId: string, labels: Record<string, string>, replace: boolean): Promise<void> {
  if (replace) await db.deleteFrom('agent_labels').where('agent_id', '=', agentId).execute();
  const rows = Object.entries(labels).map(([key, value]) => ({ agent_id: agentId, key, value }));
  if (rows.length > 0) await db.insertInto('agent_labels').values(rows).execute();
}

async function lockAgent(ctx: SqlContext, db: Kysely<Database>, id: string): Promise<AgentRecord | undefined> {
  const row = await ctx.dialect.lockRows(db.selectFrom('agents').selectAll().where('id', '=', id)).executeTakeFirst();
  return row === undefined ? undefined : agentFromRow(row);
}

async function saveAgent(db: Kysely<Database>, agent: AgentRecord): Promise<void> {
  const { id: _id, created_at: _created, ...columns } = agentToRow(agent);
  await db.updateTable('agents').set(columns).where('id', '=', agent.id).execute();
  await bumpChangeCounter(db);
}

/** Read on every miss of the client directory and by every call of the server's own APIs. */
const selectAgent = preparedQuery(1, (db, id) => db.selectFrom('agents').selectAll().where('id', '=', id));

const selectAgentStanding = preparedQuery(1, (db, id) => db.selectFrom('agents').select(['id', 'status', 'revoked_before']).where('id', '=', id));

/** Escapes `%`, `_` and the escape character itself for `LIKE ... ESCAPE '\'`. */
function likeContains(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * The agent registry (`AgentStore`) over Kysely, for SQLite and PostgreSQL alike. Every mutation
 * but `touchAgents` bumps the change counter in its own transaction, so a cache that sees the new
 * counter also sees the change, and appends the change's audit records in it too.
 */
export function sqlAgentStore(ctx: SqlContext): AgentStore {
  return {
    /** The agent, its labels and its credentials in one transaction. */
    async createAgent(agent: NewAgent, credentials: CredentialRecord[], now: number, audit: readonly AuditInput[] = []): Promise<AgentRecord> {
      for (const credential of credentials) {
        if (credential.agentId !== agent.id) throw new TypeError('every credential must belong to the new agent');
      }
      const record: AgentRecord = agentFromRow(agentToRow({ ...agent, revokedBefore: null, createdAt: now, updatedAt: now, lastSeenAt: null, version: 1 }));
      try {
        await ctx.write(async (db) => {
          await db.insertInto('agents').values(agentToRow(record)).execute();
          await writeLabels(db, record.id, record.labels, false);
          for (const chunk of ctx.chunks(credentials, 8)) await db.insertInto('credentials').values(chunk.map(credentialToRow)).execute();
          await bumpChangeCounter(db);
          await appendAuditInTransaction(ctx, db, audit);
        });
      } catch (error) {
        if (ctx.dialect.isUniqueViolation(error)) throw new ConflictError('an agent or credential with this id already exists');
        throw error;
      }
      return record;
    },

    async getAgent(id: string): Promise<AgentRecord | undefined> {
      const [row] = await selectAgent(ctx, id);
      return row === undefined ? undefined : agentFromRow(row);
    },

    /** Three columns, none of the record's JSON to parse. */
    async getAgentStanding(id: string): Promise<AgentStanding | undefined> {
      const [row] = await selectAgentStanding(ctx, id);
      return row === undefined ? undefined : agentStandingFromRow(row.id, row.status, row.revoked_before);
    },

    /**
     * Ordered by id; every filter is applied in SQL (labels through the
     * `agent_labels` table), so a page is always full unless it is the last.
     */
    async listAgents(filter: AgentFilter, page: PageRequest): Promise<Page<AgentRecord>> {
      const limit = checkLimit(page.limit);
      let query = ctx.db.selectFrom('agents').selectAll();
      if (filter.status !== undefined) query = query.where('status', '=', filter.status);
      if (filter.owner !== undefined) query = query.where('owner', '=', filter.owner);
      if (filter.owners !== undefined) {
        if (filter.owners.length === 0) return { items: [] };
        query = query.where('owner', 'in', [...filter.owners]);
      }
      if (filter.nameContains !== undefined && filter.nameContains !== '') {
        query = query.where(sql<boolean>`name_folded like ${likeContains(filter.nameContains.toLowerCase())} escape '\\'`);
      }
      for (const [key, value] of Object.entries(filter.labels ?? {})) {
        query = query.where(({ exists, selectFrom }) =>
          exists(
            selectFrom('agent_labels')
              .select('agent_labels.key')
              .whereRef('agent_labels.agent_id', '=', 'agents.id')
              .where('agent_labels.key', '=', key)
              .where('agent_labels.value', '=', value),
          ),
        );
      }
      if (page.after !== undefined) query = query.where('id', '>', decodeIdCursor(page.after));
      const rows = await query.orderBy('id').limit(limit + 1).execute();
      return toPage(rows.map(agentFromRow), { limit }, (last) => encodeIdCursor(last.id));
    },

    /** Applies the defined fields of `patch` and the credential changes, bumping `version` and `updatedAt`. */
    async updateAgent(id: string, patch: AgentPatch, now: number, update: AgentUpdate = {}): Promise<AgentRecord | undefined> {
      const added = update.addCredentials ?? [];
      for (const credential of added) if (credential.agentId !== id) throw new TypeError('every credential added must belong to the agent');
      try {
        return await ctx.write(async (db) => {
          const current = await lockAgent(ctx, db, id);
          if (current === undefined) return undefined;
          const next: AgentRecord = { ...current, updatedAt: now, version: current.version + 1 };
          const target = next as unknown as Record<string, unknown>;
          for (const field of AGENT_PATCH_FIELDS) if (patch[field] !== undefined) target[field] = patch[field];
          await saveAgent(db, next);
          if (patch.labels !== undefined) await writeLabels(db, id, patch.labels, true);
          for (const chunk of ctx.chunks(added, 8)) await db.insertInto('credentials').values(chunk.map(credentialToRow)).execute();
          const removed = update.removeCredentialIds ?? [];
          if (removed.length > 0) await db.deleteFrom('credentials').where('agent_id', '=', id).where('id', 'in', removed).execute();
          await appendAuditInTransaction(ctx, db, update.audit ?? []);
          return agentFromRow(agentToRow(next));
        });
      } catch (error) {
        if (ctx.dialect.isUniqueViolation(error)) throw new ConflictError('a credential with this id already exists');
        throw error;
      }
    },

    /**
     * Leaving `active` moves `revokedBefore` to `now` (never backwards,
     * should node clocks disagree); resuming keeps it, so tokens issued before the suspension stay
     * dead. Setting the status an agent already has changes nothing.
     */
    async setAgentStatus(id: string, status: AgentStatus, now: number, audit: readonly AuditInput[] = []): Promise<AgentRecord | undefined> {
      return ctx.write(async (db) => {
        const current = await lockAgent(ctx, db, id);
        if (current === undefined || current.status === status) return current;
        const revokedBefore = status === 'active' ? current.revokedBefore : Math.max(current.revokedBefore ?? now, now);
        const next: AgentRecord = { ...current, status, revokedBefore, updatedAt: now, version: current.version + 1 };
        await saveAgent(db, next);
        await appendAuditInTransaction(ctx, db, audit);
        return next;
      });
    },

    /** Labels and credentials go with it (foreign-key cascade). */
    async deleteAgent(id: string, audit: readonly AuditInput[] = []): Promise<boolean> {
      return ctx.write(async (db) => {
        const result = await db.deleteFrom('agents').where('id', '=', id).executeTakeFirst();
        if (result.numDeletedRows === 0n) return false;
        await bumpChangeCounter(db);
        await appendAuditInTransaction(ctx, db, audit);
        return true;
      });
    },

    /**
     * One `UPDATE ... CASE` per chunk, never a statement per agent. It does
     * not bump the change counter: last-seen times are not something caches must reload for.
     */
    async touchAgents(lastSeen: ReadonlyMap<string, number>): Promise<void> {
      const entries = [...lastSeen];
      if (entries.length === 0) return;
      await ctx.write(async (db) => {
        for (const chunk of ctx.chunks(entries, 3)) {
          const cases = sql.join(
            chunk.map(([id, at]) => sql`when ${id} then ${at}`),
            sql` `,
          );
          await db
            .updateTable('agents')
            .set({ last_seen_at: sql<number>`case id ${cases} else last_seen_at end` })
            .where(
              'id',
              'in',
              chunk.map(([id]) => id),
            )
            .execute();
        }
      });
    },

    /** Oldest first. */
    async listCredentials(agentId: string): Promise<CredentialRecord[]> {
      const rows = await ctx.db.selectFrom('credentials').selectAll().where('agent_id', '=', agentId).orderBy('created_at').orderBy('id').execute();
      return rows.map(credentialFromRow);
    },

    /**
     * A duplicate credential id is a `ConflictError`; an agent that does
     * not exist (or was deleted meanwhile) is an `Error`, since callers look the agent up first.
     */
    async addCredential(credential: CredentialRecord, audit: readonly AuditInput[] = []): Promise<void> {
      try {
        await ctx.write(async (db) => {
          await db.insertInto('credentials').values(credentialToRow(credential)).execute();
          await bumpChangeCounter(db);
          await appendAuditInTransaction(ctx, db, audit);
        });
      } catch (error) {
        if (ctx.dialect.isUniqueViolation(error)) throw new ConflictError('a credential with this id already exists');
        if (ctx.dialect.isForeignKeyViolation(error)) throw new Error('the credential belongs to no agent', { cause: error });
        throw error;
      }
    },

    async removeCredential(agentId: string, credentialId: string, audit: readonly AuditInput[] = []): Promise<boolean> {
      return ctx.write(async (db) => {
        const result = await db.deleteFrom('credentials').where('agent_id', '=', agentId).where('id', '=', credentialId).executeTakeFirst();
        if (result.numDeletedRows === 0n) return false;
        await bumpChangeCounter(db);
        await appendAuditInTransaction(ctx, db, audit);
        return true;
      });
    },

    /** One primary-key read. */
    async agentsChangeCounter(): Promise<number> {
      const row = await ctx.db.selectFrom('agents_change').select('counter').where('id', '=', 1).executeTakeFirstOrThrow();
      return Number(row.counter);
    },
  };
}
