import type { Anomaly } from '../admin-types.js';
import { EXIT_OK, UsageError } from '../cli-errors.js';
import type { Command, CommandGroup } from '../command.js';
import { renderJson, renderTable, type Column } from '../output.js';

const STATES = ['open', 'acknowledged', 'resolved'] as const;

const ANOMALY_COLUMNS: Column<Anomaly>[] = [
  { header: 'ANOMALY', value: (a) => a.id },
  { header: 'AGENT', value: (a) => a.agent_id },
  { header: 'DETECTOR', value: (a) => a.detector },
  { header: 'SEVERITY', value: (a) => a.severity },
  { header: 'STATE', value: (a) => a.state },
  { header: 'DETECTED', value: (a) => a.detected_at },
  { header: 'EVIDENCE', value: (a) => a.evidence },
];

/** One anomaly, as `show`, `ack` and `resolve` print it. */
function describe(a: Anomaly): string {
  const lines = [
    `anomaly   ${a.id}`,
    `agent     ${a.agent_id}`,
    `detector  ${a.detector}`,
    `severity  ${a.severity}`,
    `state     ${a.state}`,
    `detected  ${a.detected_at}`,
    `evidence  ${a.evidence}`,
  ];
  if (a.acknowledged_at !== null) lines.push(`acknowledged ${a.acknowledged_at} by ${a.acknowledged_by ?? ''}`);
  if (a.resolved_at !== null) lines.push(`resolved  ${a.resolved_at} by ${a.resolved_by ?? ''}`);
  if (a.note !== null) lines.push(`note      ${a.note}`);
  return `${lines.join('\n')}\n`;
}

function change(action: 'acknowledge' | 'resolve', name: string, summary: string): Command {
  return {
    name,
    summary,
    args: ['ANOMALY_ID'],
    synopsis: 'ANOMALY_ID [--note TEXT]',
    options: { note: { type: 'string', placeholder: 'TEXT', description: 'why (kept with the anomaly and in the audit log)' } },
    async run(context) {
      const anomaly = await context.admin().changeAnomaly(context.args[0] as string, action, context.flags.string('note'));
      context.io.stdout(context.json ? renderJson(anomaly) : describe(anomaly));
      return EXIT_OK;
    },
  };
}

/** `agentauth anomalies ...`: anomalies of agents' behaviour (docs/monitoring.md). */
export const anomaliesGroup: CommandGroup = {
  name: 'anomalies',
  summary: "list, show, acknowledge and resolve anomalies of agents' behaviour",
  commands: [
    {
      name: 'anomalies list',
      summary: 'list anomalies, newest first, of every agent or of one',
      args: [],
      synopsis: '[--agent ID] [--state open|acknowledged|resolved] [--limit N] [--cursor CURSOR]',
      options: {
        agent: { type: 'string', placeholder: 'ID', description: 'only the anomalies of this agent' },
        state: { type: 'string', placeholder: 'STATE', description: 'only anomalies in this state' },
        limit: { type: 'string', placeholder: 'N', description: 'at most N (1-500, default 50)' },
        cursor: { type: 'string', placeholder: 'CURSOR', description: 'the next page, as an earlier list printed it' },
      },
      async run(context) {
        const limitText = context.flags.string('limit');
        const limit = limitText === undefined ? undefined : Number(limitText);
        if (limit !== undefined && (!Number.isInteger(limit) || limit < 1 || limit > 500)) throw new UsageError('--limit must be an integer from 1 to 500', this.name);
        const state = context.flags.string('state');
        if (state !== undefined && !(STATES as readonly string[]).includes(state)) throw new UsageError(`--state must be one of ${STATES.join(', ')}`, this.name);
        const agent = context.flags.string('agent');
        const cursor = context.flags.string('cursor');
        const page = await context.admin().listAnomalies({
          ...(agent === undefined ? {} : { agent_id: agent }),
          ...(state === undefined ? {} : { state: state as (typeof STATES)[number] }),
          ...(limit === undefined ? {} : { limit }),
          ...(cursor === undefined ? {} : { cursor }),
        });
        if (context.json) {
          context.io.stdout(renderJson(page));
          return EXIT_OK;
        }
        context.io.stdout(renderTable(ANOMALY_COLUMNS, page.items));
        if (page.next_cursor !== undefined) context.io.stderr(`more anomalies: --cursor ${page.next_cursor}\n`);
        return EXIT_OK;
      },
    },
    {
      name: 'anomalies show',
      summary: 'show one anomaly and its evidence',
      args: ['ANOMALY_ID'],
      synopsis: 'ANOMALY_ID',
      options: {},
      async run(context) {
        const anomaly = await context.admin().getAnomaly(context.args[0] as string);
        context.io.stdout(context.json ? renderJson(anomaly) : describe(anomaly));
        return EXIT_OK;
      },
    },
    change('acknowledge', 'anomalies ack', 'acknowledge an open anomaly (it still counts towards the agent\'s risk)'),
    change('resolve', 'anomalies resolve', 'resolve an anomaly: it no longer counts towards the agent\'s risk'),
  ],
};
