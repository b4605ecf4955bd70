import type { Selectable } from 'kysely';
import type { CibaDeliveryMode } from '@agentauth/protocol';
import type { ApprovalRecord, ApprovalStatus, ApprovalStore } from '../ports/approval-store.js';
import type { ApprovalsTable } from './approval-tables.js';
import { appendAuditInTransaction } from './commit-units.js';
import { fromJson, toJson } from './json.js';
import type { SqlContext } from './sql-context.js';

/** `ApprovalStore` over Kysely, for SQLite and PostgreSQL alike. Each transition is one conditional UPDATE. */
export function sqlApprovalStore(ctx: SqlContext): ApprovalStore {
  return {
    async createApproval(record, audit): Promise<void> {
      await ctx.write(async (db) => {
        await db.insertInto('approvals').values(toRow(record)).execute();
        await appendAuditInTransaction(ctx, db, audit);
      });
    },

    async getApproval(id) {
      const row = await ctx.db.selectFrom('approvals').selectAll().where('id', '=', id).executeTakeFirst();
      return row === undefined ? undefined : fromRow(row);
    },

    async getApprovalByRequestHash(requestHash) {
      const row = await ctx.db.selectFrom('approvals').selectAll().where('request_hash', '=', requestHash).executeTakeFirst();
      return row === undefined ? undefined : fromRow(row);
    },

    async countPendingApprovals(agentId, now, cap) {
      const rows = await ctx.db
        .selectFrom('approvals')
        .select('id')
        .where('agent_id', '=', agentId)
        .where('status', '=', 'pending')
        .where('expires_at', '>', now)
        .limit(cap)
        .execute();
      return rows.length;
    },
    async listPendingApprovals(approvers, now, limit) {
      if (approvers.length === 0) return [];
      const rows = await ctx.db
        .selectFrom('approvals')
        .selectAll()
        .where('approver', 'in', [...approvers])
        .where('status', '=', 'pending')
        .where('expires_at', '>', now)
        .orderBy('created_at')
        .orderBy('id')
        .limit(limit)
        .execute();
      return rows.map(fromRow);
    },

    async listPastApprovals(approvers, now, limit) {
      if (approvers.length === 0) return [];
      const rows = await ctx.db
        .selectFrom('approvals')
        .selectAll()
        .where('approver', 'in', [...approvers])
        .where((eb) => eb.or([eb('status', '!=', 'pending'), eb('expires_at', '<=', now)]))
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit)
        .execute();
      return rows.map(fromRow);
    },

    async decideApproval(id, decision, audit): Promise<boolean> {
      return ctx.write(async (db) => {
        const result = await db
          .updateTable('approvals')
          .set({ status: decision.status, decided_by: decision.decidedBy, decided_at: decision.at, reason: decision.reason })
          .where('id', '=', id)
          .where('status', '=', 'pending')
          .where('expires_at', '>', decision.at)
          .executeTakeFirst();
        if (result.numUpdatedRows !== 1n) return false;
        await appendAuditInTransaction(ctx, db, audit);
        return true;
      });
    },

    async expireApproval(id, now, audit): Promise<boolean> {
      return ctx.write(async (db) => {
        const result = await db.updateTable('approvals').set({ status: 'expired' }).where('id', '=', id).where('status', '=', 'pending').where('expires_at', '<=', now).executeTakeFirst();
        if (result.numUpdatedRows !== 1n) return false;
        await appendAuditInTransaction(ctx, db, audit);
        return true;
      });
    },

    async consumeApproval(id, now): Promise<boolean> {
      const result = await ctx.write((db) => db.updateTable('approvals').set({ status: 'consumed' }).where('id', '=', id).where('status', '=', 'approved').where('expires_at', '>', now).executeTakeFirst());
      return result.numUpdatedRows === 1n;
    },

    async notePoll(id, now, minGapMs): Promise<boolean> {
      const result = await ctx.write((db) =>
        db
          .updateTable('approvals')
          .set({ last_polled_at: now })
          .where('id', '=', id)
          .where((eb) => eb.or([eb('last_polled_at', 'is', null), eb('last_polled_at', '<=', now - minGapMs)]))
          .executeTakeFirst(),
      );
      return result.numUpdatedRows === 1n;
    },
  };
}

const nullableNumber = (value: number | string | null) => (value === null ? null : Number(value));

function toRow(r: ApprovalRecord): ApprovalsTable {
  return {
    id: r.id,
    request_hash: r.requestHash,
    agent_id: r.agentId,
    approver: r.approver,
    resource: r.resource,
    scopes: toJson(r.scopes),
    authorization_details: toJson(r.authorizationDetails),
    binding_message: r.bindingMessage,
    delivery_mode: r.deliveryMode,
    ping_secrets: r.pingSecrets,
    interval_seconds: r.intervalSeconds,
    status: r.status,
    reason: r.reason,
    decided_by: r.decidedBy,
    decided_at: r.decidedAt,
    last_polled_at: r.lastPolledAt,
    created_at: r.createdAt,
    expires_at: r.expiresAt,
  };
}

function fromRow(r: Selectable<ApprovalsTable>): ApprovalRecord {
  return {
    id: r.id,
    requestHash: r.request_hash,
    agentId: r.agent_id,
    approver: r.approver,
    resource: r.resource,
    scopes: fromJson<string[]>(r.scopes),
    authorizationDetails: fromJson<ApprovalRecord['authorizationDetails']>(r.authorization_details),
    bindingMessage: r.binding_message,
    deliveryMode: r.delivery_mode as CibaDeliveryMode,
    pingSecrets: r.ping_secrets,
    intervalSeconds: Number(r.interval_seconds),
    status: r.status as ApprovalStatus,
    reason: r.reason,
    decidedBy: r.decided_by,
    decidedAt: nullableNumber(r.decided_at),
    lastPolledAt: nullableNumber(r.last_polled_at),
    createdAt: Number(r.created_at),
    expiresAt: Number(r.expires_at),
  };
}
