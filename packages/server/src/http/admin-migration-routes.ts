import { reportWindow } from '../admin/least-privilege-json.js';
import { migrationReportToJson } from '../admin/migration-report-json.js';
import { DEFAULT_SINCE } from '../admin/wire/least-privilege.js';
import { DEFAULT_UNUSED_DAYS, MigrationReport, MigrationReportQuery } from '../admin/wire/migration-report.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config/config.js';
import { migrationReport, type MigrationReportStore } from '../key-migration/migration-report.js';
import { adminRoute, type AdminRoute } from './admin-route.js';

/** What the migration report route reads. */
export interface AdminMigrationRouteDeps {
  config: Pick<Config, 'issuer'>;
  clock: Clock;
  store: MigrationReportStore;
}

/** `GET /migration/report`: the migration progress report (docs/migration.md). Read-only, so auditors may call it. */
export function migrationRoutes(deps: AdminMigrationRouteDeps): AdminRoute[] {
  return [
    adminRoute({
      method: 'GET',
      url: '/migration/report',
      operationId: 'getMigrationReport',
      summary: 'Calls made with managed or imported keys against calls made with tokens, per agent and resource and per day, and the live keys unused, without an owner or outliving the sunset.',
      schema: { querystring: MigrationReportQuery },
      success: { status: 200, schema: MigrationReport },
      authenticated: true,
      handler: async ({ query }) => {
        const since = query.since ?? DEFAULT_SINCE;
        const window = reportWindow(since, deps.clock.now());
        const sunset = query.sunset === undefined ? undefined : Date.parse(query.sunset);
        const report = await migrationReport(deps.store, { window, unusedDays: query.unused_days ?? DEFAULT_UNUSED_DAYS, issuer: deps.config.issuer, ...(sunset === undefined ? {} : { sunset }) });
        return migrationReportToJson(report, since);
      },
    }),
  ];
}
