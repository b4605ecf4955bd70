import type { SiemSinkStatus } from '../admin-types.js';
import { EXIT_OK } from '../cli-errors.js';
import type { Command } from '../command.js';
import { renderJson, renderTable, type Column } from '../output.js';

const SINK_COLUMNS: Column<SiemSinkStatus>[] = [
  { header: 'SINK', value: (s) => s.sink },
  { header: 'CONFIGURED', value: (s) => (s.configured ? 'yes' : 'no') },
  { header: 'SEQ', value: (s) => s.seq },
  { header: 'LAG', value: (s) => s.lag },
  { header: 'EXPORTED', value: (s) => s.exported_at ?? '-' },
  { header: 'STATE', value: (s) => (s.failing ? 'failing' : 'ok') },
  { header: 'LAST ERROR', value: (s) => (s.last_error === null ? '-' : `${s.last_error_at ?? ''} ${s.last_error}`) },
];

/** `audit siem`: the SIEM export's progress per sink (docs/monitoring.md, "SIEM export"). */
export const siemStatusCommand: Command = {
  name: 'audit siem',
  summary: "show the SIEM export's sinks: the last record each acknowledged, its lag and last error",
  args: [],
  synopsis: '',
  options: {},
  async run(context) {
    const status = await context.admin().siemStatus();
    if (context.json) {
      context.io.stdout(renderJson(status));
      return EXIT_OK;
    }
    context.io.stdout(`audit head: seq ${status.head_seq}\n`);
    context.io.stdout(status.sinks.length === 0 ? 'no SIEM sink is configured (docs/monitoring.md)\n' : renderTable(SINK_COLUMNS, status.sinks));
    return EXIT_OK;
  },
};
