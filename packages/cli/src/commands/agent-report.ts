import type { GrantSet, LeastPrivilegeReport } from '../admin-types.js';
import { EXIT_OK } from '../cli-errors.js';
import type { Command } from '../command.js';
import { renderJson, renderTable, sanitize, type Column } from '../output.js';
import { checkId } from './agent-view.js';

/** The largest page the server serves: the fleet report follows pages to the end. */
const PAGE = 500;

/** One line of the table: an agent's scopes, resources or grant types, in each of the four sets. */
interface Row {
  report: LeastPrivilegeReport;
  /** The first of an agent's lines carries its id, name, stale flag and last use. */
  first: boolean;
  kind: string;
  pick: (grant: GrantSet) => string[];
}

const KINDS: readonly (readonly [string, (grant: GrantSet) => string[]])[] = [
  ['scopes', (grant) => grant.scopes],
  ['resources', (grant) => grant.resources],
  ['grant types', (grant) => grant.grant_types],
];

/** An empty set shows as `-`, so a column never looks like a missing cell. */
const list = (items: string[]) => (items.length === 0 ? '-' : items);

const COLUMNS: Column<Row>[] = [
  { header: 'AGENT', value: (row) => (row.first ? row.report.agent_id : '') },
  { header: 'NAME', value: (row) => (row.first ? row.report.name : '') },
  { header: 'STALE', value: (row) => (row.first ? (row.report.stale ? 'yes' : 'no') : '') },
  { header: 'LAST SEEN', value: (row) => (row.first ? (row.report.last_seen_at ?? 'never') : '') },
  { header: 'TOKENS', value: (row) => (row.first ? row.report.used.tokens : '') },
  { header: 'KIND', value: (row) => row.kind },
  { header: 'GRANTED', value: (row) => list(row.pick(row.report.granted)) },
  { header: 'USED', value: (row) => list(row.pick(row.report.used)) },
  { header: 'UNUSED', value: (row) => list(row.pick(row.report.unused)) },
  { header: 'SUGGESTED', value: (row) => list(row.pick(row.report.suggested)) },
];

/**
 * `agentauth agents report [AGENT]`: what each agent was granted against what it obtained in the
 * last `--since` days (`GET /admin/v1/agents/{id}/report`, or every agent through
 * `GET /admin/v1/reports/least-privilege`), the narrower grant suggested, and stale agents
 * (docs/least-privilege.md). The server parses `--since` and names the rule when it refuses it.
 */
export const agentReportCommand: Command = {
  name: 'agents report',
  summary: 'least-privilege report: granted vs used scopes, resources and grant types, the narrower grant suggested, stale agents',
  args: [],
  optionalArgs: ['AGENT'],
  synopsis: '[AGENT] [--since 30d]',
  options: {
    since: { type: 'string', placeholder: 'DAYS', description: 'the window: the last N days, 1d to 365d (default 30d)' },
  },
  async run(context) {
    const since = context.flags.string('since');
    const admin = context.admin();
    const given = context.args[0];
    let reports: LeastPrivilegeReport[];
    if (given !== undefined) {
      reports = [await admin.getAgentReport(checkId(given, this.name, 'AGENT'), since)];
    } else {
      reports = [];
      let cursor: string | undefined;
      do {
        const page = await admin.listLeastPrivilegeReports({ limit: PAGE, ...(since === undefined ? {} : { since }), ...(cursor === undefined ? {} : { cursor }) });
        reports.push(...page.items);
        cursor = page.next_cursor;
      } while (cursor !== undefined);
    }
    if (context.json) {
      context.io.stdout(renderJson(given !== undefined ? reports[0] : { items: reports }));
      return EXIT_OK;
    }
    const rows = reports.flatMap((report) => KINDS.map(([kind, pick], index) => ({ report, first: index === 0, kind, pick })));
    context.io.stdout(renderTable(COLUMNS, rows));
    for (const report of reports) {
      const id = sanitize(report.agent_id);
      if (report.stale) context.io.stderr(`${id} is stale: no token or certificate in the last ${sanitize(report.window.since)}; consider disabling it\n`);
      if (report.unused_privileged_scopes.length > 0) context.io.stderr(`${id} holds privileged scopes it did not use: ${sanitize(report.unused_privileged_scopes.join(' '))}\n`);
    }
    if (reports.length === 0) context.io.stderr('no agents\n');
    return EXIT_OK;
  },
};
