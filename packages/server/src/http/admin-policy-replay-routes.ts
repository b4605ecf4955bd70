import { policyTestQuery, policyTestResult, type DefaultLifetimes } from '../admin/policy-test-request.js';
import { AdminProblem } from '../admin/problem.js';
import { rfc3339 } from '../admin/wire/primitives.js';
import { PolicyDiffReport, PolicyDiffRequest, PolicyTestResult, TestPoliciesRequest } from '../admin/wire/policy.js';
import type { Clock } from '../clock.js';
import type { PolicyDecider } from '../policy/policy-decider.js';
import { replayDecisions } from '../policy/policy-dry-run.js';
import type { PolicyService } from '../policy/policy-service.js';
import type { AgentStore } from '../store/ports/agent-store.js';
import type { AuditStore } from '../store/ports/audit-store.js';
import { POLICY_BODY_LIMIT, policyChangeOf } from './admin-policy-routes.js';
import { adminRoute, type AdminRoute } from './admin-route.js';

/** Most decision records one dry run reads; a longer window is reported as capped. */
export const DRY_RUN_MAX_RECORDS = 100_000;
/** Most distinct requests one dry run decides (a few ms each: this bounds a run to about a minute). */
export const DRY_RUN_MAX_DECISIONS = 20_000;
/** The longest window a dry run replays. */
const MAX_WINDOW_MS = 400 * 86_400_000;
const UNIT_MS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** What the test and dry-run routes need. */
export interface PolicyReplayDeps {
  service: PolicyService;
  decider: Pick<PolicyDecider, 'decide'>;
  store: Pick<AuditStore, 'queryAudit'> & Pick<AgentStore, 'getAgent'>;
  clock: Clock;
  lifetimes: DefaultLifetimes;
}

/** `7d`, `24h`, `30m`, `90s` in milliseconds (the schema already checked the form). */
export function windowMs(since: string): number {
  const ms = Number(since.slice(0, -1)) * (UNIT_MS[since.slice(-1)] ?? Number.NaN);
  if (!Number.isFinite(ms) || ms > MAX_WINDOW_MS) throw new AdminProblem('validation_failed', 'since must be a duration of at most 400d, such as 7d, 24h or 30m');
  return ms;
}

/**
 * `POST /policies/test` and `POST /policies/diff` (docs/admin-api.md, "Testing a request" and "Dry
 * run"): decide one described request, or replay the recorded decisions of a window, under the set
 * in force or a proposed one. Nothing is stored and the decider's cache is never touched.
 */
export function policyReplayRoutes(deps: PolicyReplayDeps): AdminRoute[] {
  return [
    adminRoute({
      method: 'POST',
      url: '/policies/test',
      operationId: 'testPolicies',
      summary: 'Decide a described request (agent, action, resources, scopes, context) under the set in force or a proposed source: each pair, the deciding policies and the shaped result.',
      schema: { body: TestPoliciesRequest },
      bodyLimit: POLICY_BODY_LIMIT,
      success: { status: 200, schema: PolicyTestResult },
      authenticated: true,
      handler: async ({ body }) => {
        const agent = await deps.store.getAgent(body.agent_id);
        if (agent === undefined) throw new AdminProblem('not_found', `no agent ${body.agent_id}`);
        const proposed = body.source !== undefined || body.entities !== undefined || body.replace !== undefined;
        const query = policyTestQuery(body, agent, deps.clock.now(), deps.lifetimes);
        const verdict = deps.service.test(query, proposed ? policyChangeOf(body) : undefined);
        return policyTestResult(verdict, query, body.scopes_requested ?? true, proposed);
      },
    }),
    adminRoute({
      method: 'POST',
      url: '/policies/diff',
      operationId: 'diffPolicies',
      summary: 'Dry run: replay the token decisions recorded since a time ago under a proposed set, and list the past requests whose outcome would change.',
      schema: { body: PolicyDiffRequest },
      bodyLimit: POLICY_BODY_LIMIT,
      success: { status: 200, schema: PolicyDiffReport },
      authenticated: true,
      handler: async ({ body }) => {
        const span = windowMs(body.since);
        const proposed = deps.service.validate(policyChangeOf(body));
        const now = deps.clock.now();
        // `to` is exclusive: a record made in this very millisecond is part of the window.
        const report = await replayDecisions({ audit: deps.store, agents: deps.store, decider: deps.decider }, proposed, { from: now - span, to: now + 1, maxRecords: DRY_RUN_MAX_RECORDS, maxDecisions: DRY_RUN_MAX_DECISIONS });
        return {
          from: rfc3339(report.from),
          to: rfc3339(now),
          current_version: deps.service.current().version,
          records_read: report.recordsRead,
          replayed: report.replayed,
          changed_requests: report.changedRequests,
          not_replayable: report.notReplayable,
          agents_missing: report.agentsMissing,
          capped: report.capped,
          changes: report.changes.map((c) => ({ change: c.change, agent_id: c.agentId, resource: c.resource, scope: c.scope, count: c.count, example: { ...c.example, time: rfc3339(c.example.time) } })),
        };
      },
    }),
  ];
}
