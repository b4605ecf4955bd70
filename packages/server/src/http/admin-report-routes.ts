import { leastPrivilegeReports } from '../agents/least-privilege-report.js';
import { reportToJson, reportWindow } from '../admin/least-privilege-json.js';
import { AdminProblem } from '../admin/problem.js';
import { AgentParams } from '../admin/wire/agent.js';
import { AgentReportQuery, DEFAULT_SINCE, LeastPrivilegeQuery, LeastPrivilegeReport, LeastPrivilegeReportPage } from '../admin/wire/least-privilege.js';
import { pageRequest } from '../admin/wire/primitives.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config/config.js';
import type { AgentStore } from '../store/ports/agent-store.js';
import type { AgentUsageStore } from '../store/ports/agent-usage-store.js';
import { adminRoute, type AdminRoute } from './admin-route.js';

/** What the report routes read. */
export interface AdminReportRouteDeps {
  config: Pick<Config, 'issuer'>;
  clock: Clock;
  store: AgentUsageStore & Pick<AgentStore, 'getAgent' | 'listAgents'>;
}

/**
 * `GET /agents/{id}/report` (one agent's least-privilege report) and `GET /reports/least-privilege`
 * (every agent's, a page of agents at a time, by id), docs/least-privilege.md. Read-only.
 */
export function reportRoutes(deps: AdminReportRouteDeps): AdminRoute[] {
  return [
    adminRoute({
      method: 'GET',
      url: '/agents/:id/report',
      operationId: 'getAgentReport',
      summary: "An agent's least-privilege report: its grant against the scopes, resources and grant types it obtained in the window, the narrower grant suggested, and whether it is stale.",
      schema: { params: AgentParams, querystring: AgentReportQuery },
      success: { status: 200, schema: LeastPrivilegeReport },
      authenticated: true,
      handler: async ({ params, query }) => {
        const since = query.since ?? DEFAULT_SINCE;
        const window = reportWindow(since, deps.clock.now());
        const agent = await deps.store.getAgent(params.id);
        if (agent === undefined) throw new AdminProblem('not_found', 'no agent has this id');
        const [report] = await leastPrivilegeReports(deps.store, [agent], window, deps.config.issuer);
        if (report === undefined) throw new Error('a report for each agent asked for');
        return reportToJson(report, since);
      },
    }),
    adminRoute({
      method: 'GET',
      url: '/reports/least-privilege',
      operationId: 'listLeastPrivilegeReports',
      summary: "Every agent's least-privilege report, a page of agents at a time, ordered by agent id.",
      schema: { querystring: LeastPrivilegeQuery },
      success: { status: 200, schema: LeastPrivilegeReportPage },
      authenticated: true,
      handler: async ({ query }) => {
        const since = query.since ?? DEFAULT_SINCE;
        const window = reportWindow(since, deps.clock.now());
        let agents;
        try {
          agents = await deps.store.listAgents({}, pageRequest(query));
        } catch (error) {
          if (error instanceof RangeError) throw new AdminProblem('validation_failed', 'the cursor is not one this API returned');
          throw error;
        }
        const reports = await leastPrivilegeReports(deps.store, agents.items, window, deps.config.issuer);
        const items = reports.map((report) => reportToJson(report, since));
        return { items, ...(agents.next === undefined ? {} : { next_cursor: agents.next }) };
      },
    }),
  ];
}
