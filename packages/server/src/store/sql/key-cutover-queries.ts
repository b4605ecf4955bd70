import type { Selectable } from 'kysely';
import type { CutoverRuleRecord, CutoverScope, CutoverStage, KeyCutoverStore } from '../ports/key-cutover-store.js';
import { ConflictError } from '../ports/conflict-error.js';
import { appendAuditInTransaction } from './commit-units.js';
import type { Database } from './database.js';
import type { SqlContext } from './sql-context.js';

/** Cut-over rules and notices (`KeyCutoverStore`) over Kysely, for SQLite and PostgreSQL alike. */
export function sqlKeyCutoverStore(ctx: SqlContext): KeyCutoverStore {
  return {
    async putCutoverRule(rule, audit) {
      try {
        return await ctx.write(async (db) => {
          const row = await db.selectFrom('key_cutover_rules').selectAll().where('scope', '=', rule.scope).where('target', '=', rule.target).executeTakeFirst();
          const previous = row === undefined ? undefined : fromRow(row);
          const stored: CutoverRuleRecord = { ...rule, id: previous?.id ?? rule.id, version: (previous?.version ?? 0) + 1 };
          if (previous === undefined) await db.insertInto('key_cutover_rules').values(toRow(stored)).execute();
          else await db.updateTable('key_cutover_rules').set(toRow(stored)).where('id', '=', previous.id).execute();
          await appendAuditInTransaction(ctx, db, audit(previous, stored));
          return stored;
        });
      } catch (error) {
        // Two first rules for one target at once: the second is told, not merged.
        if (ctx.dialect.isUniqueViolation(error)) throw new ConflictError('a rule for this target was created meanwhile');
        throw error;
      }
    },

    async clearCutoverRule(scope, target, audit) {
      return ctx.write(async (db) => {
        const row = await db.selectFrom('key_cutover_rules').selectAll().where('scope', '=', scope).where('target', '=', target).executeTakeFirst();
        if (row === undefined) return undefined;
        const removed = fromRow(row);
        await db.deleteFrom('key_cutover_notices').where('rule_id', '=', removed.id).execute();
        await db.deleteFrom('key_cutover_rules').where('id', '=', removed.id).execute();
        await appendAuditInTransaction(ctx, db, audit(removed));
        return removed;
      });
    },

    async listCutoverRules(limit) {
      const rows = await ctx.db.selectFrom('key_cutover_rules').selectAll().orderBy('scope').orderBy('target').limit(limit).execute();
      return rows.map(fromRow);
    },

    async cutoverRulesFor(subject) {
      const rows = await ctx.db
        .selectFrom('key_cutover_rules')
        .selectAll()
        .where((eb) =>
          eb.or([
            eb.and([eb('scope', '=', 'key'), eb('target', '=', subject.keyId)]),
            eb.and([eb('scope', '=', 'agent'), eb('target', '=', subject.agentId)]),
            ...(subject.resources.length === 0 ? [] : [eb.and([eb('scope', '=', 'resource'), eb('target', 'in', [...subject.resources])])]),
          ]),
        )
        .execute();
      return rows.map(fromRow);
    },

    async recordCutoverStage(id, version, from, to, audit) {
      return ctx.write(async (db) => {
        const updated = await db.updateTable('key_cutover_rules').set({ effective_stage: to }).where('id', '=', id).where('version', '=', version).where('effective_stage', '=', from).executeTakeFirst();
        if (Number(updated.numUpdatedRows) !== 1) return false;
        await appendAuditInTransaction(ctx, db, audit);
        return true;
      });
    },

    async claimCutoverNotice(notice) {
      try {
        await ctx.write((db) =>
          db.insertInto('key_cutover_notices').values({ key_id: notice.keyId, rule_id: notice.ruleId, rule_version: notice.ruleVersion, stage: notice.stage, noticed_at: notice.at }).execute(),
        );
        return true;
      } catch (error) {
        if (ctx.dialect.isUniqueViolation(error)) return false;
        throw error;
      }
    },
  };
}

function toRow(rule: CutoverRuleRecord): Database['key_cutover_rules'] {
  return {
    id: rule.id,
    scope: rule.scope,
    target: rule.target,
    warn_from: rule.warnFrom,
    block_from: rule.blockFrom,
    link: rule.link,
    version: rule.version,
    effective_stage: rule.effectiveStage,
    updated_at: rule.updatedAt,
    updated_by: rule.updatedBy,
  };
}

function fromRow(row: Selectable<Database['key_cutover_rules']>): CutoverRuleRecord {
  const time = (value: number | string | null): number | null => (value === null ? null : Number(value));
  return {
    id: row.id,
    scope: row.scope as CutoverScope,
    target: row.target,
    warnFrom: time(row.warn_from),
    blockFrom: time(row.block_from),
    link: row.link,
    version: Number(row.version),
    effectiveStage: row.effective_stage as CutoverStage,
    updatedAt: Number(row.updated_at),
    updatedBy: row.updated_by,
  };
}
