import type { ExpressionBuilder } from 'kysely';
import type { AgentUsage, AgentUsageGroup, AgentUsageStore, UsageWindow } from '../ports/agent-usage-store.js';
import type { Database } from './database.js';
import type { SqlContext } from './sql-context.js';

/** The events that count as use of a grant; both are written only with outcome `success`. */
const TOKEN_ISSUED = 'access_token.issued';
const CERTIFICATE_ISSUED = 'certificate.issued';

/** Agents one call may name: one page of the admin API's lists at most, so the `IN` list stays bounded. */
export const MAX_USAGE_AGENTS = 500;

function checkIds(agentIds: readonly string[]): void {
  if (agentIds.length > MAX_USAGE_AGENTS) throw new TypeError(`at most ${MAX_USAGE_AGENTS} agents at once, not ${agentIds.length}`);
}

/**
 * The least-privilege report's reads (`AgentUsageStore`) over Kysely, for SQLite and PostgreSQL
 * alike. Every query is an aggregation bounded by the agent list and served by the audit log's
 * (agent_id, event, time) index (migration 0016): only the named agents' issuance records in the
 * window are visited, and only groups leave the database.
 */
export function sqlAgentUsageStore(ctx: SqlContext): AgentUsageStore {
  const { dialect } = ctx;
  return {
    async summarizeAgentUsage(agentIds: readonly string[], window: UsageWindow): Promise<Map<string, AgentUsage>> {
      checkIds(agentIds);
      const usage = new Map<string, AgentUsage>();
      if (agentIds.length === 0) return usage;
      const grantType = dialect.jsonMember('details', 'grant_type');
      const scope = dialect.jsonMember('details', 'scope');
      const audience = dialect.jsonMember('details', 'aud');
      const inWindow = ctx.db
        .selectFrom('audit_log')
        .where('agent_id', 'in', [...agentIds])
        .where('event', 'in', [TOKEN_ISSUED, CERTIFICATE_ISSUED])
        .where('time', '>=', window.from)
        .where('time', '<', window.to)
        .where('outcome', '=', 'success');
      const [groups, sources] = await Promise.all([
        inWindow
          .select((eb) => [
            'agent_id',
            'event',
            'actor',
            grantType.as('grant_type'),
            scope.as('scope'),
            audience.as('aud'),
            eb.fn.countAll().as('count'),
            eb.fn.max('time').as('last_at'),
          ])
          // The same expressions as selected, so PostgreSQL accepts them as the grouping.
          .groupBy(['agent_id', 'event', 'actor', grantType, scope, audience])
          .execute(),
        inWindow.select((eb) => ['agent_id', eb.fn.count('source_ip').distinct().as('sources')]).groupBy('agent_id').execute(),
      ]);
      for (const row of groups) {
        if (row.agent_id === null) continue;
        const group: AgentUsageGroup = {
          agentId: row.agent_id,
          event: row.event === TOKEN_ISSUED ? TOKEN_ISSUED : CERTIFICATE_ISSUED,
          actor: row.actor,
          grantType: row.grant_type,
          scope: row.scope,
          audience: row.aud,
          count: Number(row.count),
          lastAt: Number(row.last_at),
        };
        const entry = usage.get(group.agentId) ?? { groups: [], sourceAddresses: 0 };
        entry.groups.push(group);
        usage.set(group.agentId, entry);
      }
      for (const row of sources) {
        const entry = row.agent_id === null ? undefined : usage.get(row.agent_id);
        if (entry !== undefined) entry.sourceAddresses = Number(row.sources);
      }
      return usage;
    },

    async lastAgentIssuance(agentIds: readonly string[], before: number): Promise<Map<string, number>> {
      checkIds(agentIds);
      const last = new Map<string, number>();
      if (agentIds.length === 0) return last;
      // One scalar max() per agent and event: both dialects answer it from the end of the index
      // range (SQLite's min/max optimisation, PostgreSQL's backward index scan), whatever the age
      // of the agent's history.
      const latest = (event: string) => (eb: ExpressionBuilder<Database, 'agents'>) =>
        eb
          .selectFrom('audit_log')
          .select((inner) => inner.fn.max('audit_log.time').as('t'))
          .whereRef('audit_log.agent_id', '=', 'agents.id')
          .where('audit_log.event', '=', event)
          .where('audit_log.time', '<', before)
          .where('audit_log.outcome', '=', 'success');
      const rows = await ctx.db
        .selectFrom('agents')
        .select((eb) => ['agents.id', latest(TOKEN_ISSUED)(eb).as('token_at'), latest(CERTIFICATE_ISSUED)(eb).as('certificate_at')])
        .where('agents.id', 'in', [...agentIds])
        .execute();
      for (const row of rows) {
        const times = [row.token_at, row.certificate_at].filter((t) => t !== null && t !== undefined).map(Number);
        if (times.length > 0) last.set(row.id, Math.max(...times));
      }
      return last;
    },
  };
}
