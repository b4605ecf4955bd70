import type { MigrationKey, MigrationReport, MigrationRow } from '../admin-types.js';
import { EXIT_OK } from '../cli-errors.js';
import type { Command, CommandGroup } from '../command.js';
import { renderJson, renderTable, type Column } from '../output.js';
import { migrationCutoverCommand } from './migration-cutover.js';

/** The highest `--unused-days` the server takes. */
const MAX_UNUSED_DAYS = 365;

/** A key share as a percentage, `-` with no calls. */
const percent = (share: number | null) => (share === null ? '-' : `${Math.round(share * 100)}%`);

/** The key share of the first and last day with calls: which way the migration is going. */
function trend(row: MigrationRow): string {
  const first = row.days[0];
  const last = row.days[row.days.length - 1];
  if (first === undefined || last === undefined) return '-';
  if (first === last) return `${first.day} ${percent(first.key_share)}`;
  return `${first.day} ${percent(first.key_share)} -> ${last.day} ${percent(last.key_share)}`;
}

const ROW_COLUMNS: Column<MigrationRow>[] = [
  { header: 'AGENT', value: (row) => row.agent_id },
  { header: 'RESOURCE', value: (row) => row.resource ?? '-' },
  { header: 'TOKENS', value: (row) => row.tokens },
  { header: 'MANAGED KEYS', value: (row) => row.managed_keys },
  { header: 'IMPORTED KEYS', value: (row) => row.imported_keys },
  { header: 'KEY SHARE', value: (row) => percent(row.key_share) },
  { header: 'TREND', value: trend },
];

/** A key on one of the report's lists, with the list that names it. */
interface KeyLine {
  finding: string;
  key: MigrationKey;
}

const KEY_COLUMNS: Column<KeyLine>[] = [
  { header: 'FINDING', value: (line) => line.finding },
  { header: 'KEY', value: (line) => line.key.id },
  { header: 'KIND', value: (line) => line.key.kind },
  { header: 'AGENT', value: (line) => line.key.agent_id },
  { header: 'OWNER', value: (line) => line.key.owner || '-' },
  { header: 'EXPIRES', value: (line) => line.key.expires_at },
  { header: 'LAST USED', value: (line) => line.key.last_used_at ?? 'never' },
];

/** The report as people read it: calls per agent and resource, then the keys that need attention. */
export function renderMigrationReport(report: MigrationReport): string {
  const { totals } = report;
  const lines = [
    `window: ${report.window.since} (${report.window.from} to ${report.window.to}); calls: ${totals.tokens} by token, ${totals.managed_keys} by managed key, ${totals.imported_keys} by imported key; key share ${percent(totals.key_share)}${report.truncated ? ' (truncated: at least)' : ''}`,
    '',
    report.rows.length === 0 ? 'no calls in the window' : renderTable(ROW_COLUMNS, report.rows).trimEnd(),
    '',
  ];
  const keys: KeyLine[] = [
    ...report.unused_keys.map((key) => ({ finding: `unused ${report.unused_days}d`, key })),
    ...report.keys_without_owner.map((key) => ({ finding: 'no owner', key })),
    ...report.keys_past_sunset.map((key) => ({ finding: 'past sunset', key })),
  ];
  lines.push(keys.length === 0 ? 'no keys need attention' : renderTable(KEY_COLUMNS, keys).trimEnd());
  return `${lines.join('\n')}\n`;
}

/**
 * `agentauth migration report`: how far agents have moved off static keys
 * (`GET /admin/v1/migration/report`, docs/migration.md "Progress report"). The server parses
 * `--since` and `--sunset` and names the rule when it refuses one.
 */
export const migrationReportCommand: Command = {
  name: 'migration report',
  summary: 'progress off static API keys: calls by managed or imported keys vs tokens per agent and resource, keys unused, without an owner or past the sunset',
  args: [],
  synopsis: '[--since 30d] [--unused-days N] [--sunset RFC3339]',
  options: {
    since: { type: 'string', placeholder: 'DAYS', description: 'the window: the last N days, 1d to 365d (default 30d)' },
    'unused-days': { type: 'string', placeholder: 'N', description: 'list live keys not used for N days (default 30)' },
    sunset: { type: 'string', placeholder: 'TIME', description: "the services' Sunset date (RFC 3339): list live keys that outlive it" },
  },
  async run(context) {
    const since = context.flags.string('since');
    const unusedDays = context.flags.int('unused-days', 1, MAX_UNUSED_DAYS);
    const sunset = context.flags.string('sunset');
    const report = await context.admin().getMigrationReport({
      ...(since === undefined ? {} : { since }),
      ...(unusedDays === undefined ? {} : { unused_days: unusedDays }),
      ...(sunset === undefined ? {} : { sunset }),
    });
    context.io.stdout(context.json ? renderJson(report) : renderMigrationReport(report));
    return EXIT_OK;
  },
};

/** `agentauth migration`: the way off static API keys (docs/migration.md). */
export const migrationGroup: CommandGroup = {
  name: 'migration',
  summary: 'the way off static API keys: progress report, staged cut-over',
  commands: [migrationReportCommand, migrationCutoverCommand],
};
