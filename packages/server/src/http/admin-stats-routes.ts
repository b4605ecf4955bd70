import { AdminProblem } from '../admin/problem.js';
import { DEFAULT_STATS_SINCE, MAX_STATS_HOURS, TokenStats, TokenStatsQuery, tokenStatsToJson } from '../admin/wire/token-stats.js';
import type { Clock } from '../clock.js';
import type { AuditStore } from '../store/ports/audit-store.js';
import { tokenStats } from '../token-stats/token-stats.js';
import { adminRoute, type AdminRoute } from './admin-route.js';

const HOUR_MS = 3_600_000;

/** `24h` or `7d` as a number of hours, refused past a week so a scan and a chart stay bounded. */
function windowHours(since: string): number {
  const match = /^([1-9][0-9]{0,2})([hd])$/.exec(since);
  const hours = match === null ? Number.NaN : Number(match[1]) * (match[2] === 'd' ? 24 : 1);
  if (!(hours <= MAX_STATS_HOURS)) throw new AdminProblem('validation_failed', `querystring/since must be a number of hours or days up to a week, such as 24h or 7d`);
  return hours;
}

/** `GET /stats/tokens`: tokens issued and refused over time (docs/admin-api.md). Read-only, so auditors may call it. */
export function statsRoutes(deps: { store: Pick<AuditStore, 'queryAudit'>; clock: Clock }): AdminRoute[] {
  return [
    adminRoute({
      method: 'GET',
      url: '/stats/tokens',
      operationId: 'getTokenStats',
      summary: 'Access tokens issued and token requests refused per hour or day over the last hours or days (up to a week), the refusals by reason.',
      schema: { querystring: TokenStatsQuery },
      success: { status: 200, schema: TokenStats },
      authenticated: true,
      handler: async ({ query }) => {
        const since = query.since ?? DEFAULT_STATS_SINCE;
        const to = deps.clock.now();
        const stats = await tokenStats(deps.store, { from: to - windowHours(since) * HOUR_MS, to }, query.bucket ?? 'hour');
        return tokenStatsToJson(stats, since);
      },
    }),
  ];
}
