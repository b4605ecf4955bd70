import { AgentError } from '../agents/agent-error.js';
import {
  ClearCutoverRuleRequest,
  CutoverPlan,
  CutoverPlanQuery,
  cutoverPlanToJson,
  CutoverRule,
  CutoverRuleList,
  cutoverRuleToJson,
  SetCutoverRuleRequest,
} from '../admin/wire/key-cutover.js';
import type { Clock } from '../clock.js';
import { cutoverPlan, type CutoverPlanStore } from '../key-cutover/cutover-plan.js';
import type { KeyCutoverService } from '../key-cutover/key-cutover-service.js';
import { adminRoute, type AdminRoute } from './admin-route.js';

/** An RFC 3339 time as epoch ms, or null; a string the schema let through but `Date` cannot read is refused. */
function time(value: string | null | undefined, field: string): number | null {
  if (value === undefined || value === null) return null;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new AgentError('validation_failed', `${field} must be an RFC 3339 date-time`);
  return ms;
}

/**
 * The admin API of the staged key cut-over (docs/admin-api.md, "Key cut-over"): set and clear a
 * rule (operators), list the rules and the dry run of a date (auditors may read).
 */
export function keyCutoverRoutes(deps: { service: KeyCutoverService; store: CutoverPlanStore; clock: Clock }): AdminRoute[] {
  return [
    adminRoute({
      method: 'GET',
      url: '/migration/cutover/rules',
      operationId: 'listCutoverRules',
      summary: 'List the key cut-over rules and the stage each puts its keys in now.',
      schema: {},
      success: { status: 200, schema: CutoverRuleList },
      authenticated: true,
      handler: async () => ({ items: (await deps.service.list()).map(cutoverRuleToJson) }),
    }),
    adminRoute({
      method: 'POST',
      url: '/migration/cutover/rules',
      operationId: 'setCutoverRule',
      summary: 'Create or replace the cut-over rule of a key, an agent or a resource: warn from a date, block from a date, neither (allow).',
      schema: { body: SetCutoverRuleRequest },
      success: { status: 200, schema: CutoverRule },
      authenticated: true,
      handler: async ({ body }, _reply, ctx) => {
        const rule = await deps.service.set(
          { scope: body.scope, target: body.target, warnFrom: time(body.warn_from, 'warn_from'), blockFrom: time(body.block_from, 'block_from'), link: body.link ?? null },
          ctx.audit,
        );
        return cutoverRuleToJson(rule);
      },
    }),
    adminRoute({
      method: 'POST',
      url: '/migration/cutover/rules/clear',
      operationId: 'clearCutoverRule',
      summary: 'Remove the cut-over rule of a target: its keys fall back to the next broader rule.',
      schema: { body: ClearCutoverRuleRequest },
      success: { status: 200, schema: CutoverRule },
      authenticated: true,
      handler: async ({ body }, _reply, ctx) => cutoverRuleToJson(await deps.service.clear(body.scope, body.target, ctx.audit)),
    }),
    adminRoute({
      method: 'GET',
      url: '/migration/cutover/plan',
      operationId: 'getCutoverPlan',
      summary: 'Dry run: the keys that would be blocked or warned at a date, with their agents, resources and last use.',
      schema: { querystring: CutoverPlanQuery },
      success: { status: 200, schema: CutoverPlan },
      authenticated: true,
      handler: async ({ query }) => cutoverPlanToJson(await cutoverPlan(deps.store, time(query.at, 'at') ?? deps.clock.now())),
    }),
  ];
}
