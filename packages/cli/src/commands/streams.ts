import type { SsfStream } from '../admin-types.js';
import { EXIT_OK, UsageError } from '../cli-errors.js';
import type { CommandGroup } from '../command.js';
import { renderJson, renderTable, type Column } from '../output.js';

const STREAM_COLUMNS: Column<SsfStream>[] = [
  { header: 'STREAM', value: (s) => s.stream_id },
  { header: 'AGENT', value: (s) => s.agent_id },
  { header: 'DELIVERY', value: (s) => (s.delivery_method === 'urn:ietf:rfc:8936' ? 'poll' : `push ${s.receiver_origin ?? ''}`) },
  { header: 'STATUS', value: (s) => s.status },
  { header: 'LAST SEEN', value: (s) => s.last_seen_at },
  { header: 'DESCRIPTION', value: (s) => s.description },
];

/** `agentauth streams ...`: every receiver's Shared Signals event streams (docs/signals.md). */
export const streamsGroup: CommandGroup = {
  name: 'streams',
  summary: "list and delete receivers' Shared Signals event streams",
  commands: [
    {
      name: 'streams list',
      summary: 'list event streams by stream id, of every receiver or of one agent',
      args: [],
      synopsis: '[--agent ID] [--limit N] [--cursor CURSOR]',
      options: {
        agent: { type: 'string', placeholder: 'ID', description: 'only the streams of this receiver' },
        limit: { type: 'string', placeholder: 'N', description: 'at most N (1-500, default 50)' },
        cursor: { type: 'string', placeholder: 'CURSOR', description: 'the next page, as an earlier list printed it' },
      },
      async run(context) {
        const limitText = context.flags.string('limit');
        const limit = limitText === undefined ? undefined : Number(limitText);
        if (limit !== undefined && (!Number.isInteger(limit) || limit < 1 || limit > 500)) throw new UsageError('--limit must be an integer from 1 to 500', this.name);
        const agent = context.flags.string('agent');
        const cursor = context.flags.string('cursor');
        const page = await context.admin().listStreams({
          ...(agent === undefined ? {} : { agent_id: agent }),
          ...(limit === undefined ? {} : { limit }),
          ...(cursor === undefined ? {} : { cursor }),
        });
        if (context.json) {
          context.io.stdout(renderJson(page));
          return EXIT_OK;
        }
        context.io.stdout(renderTable(STREAM_COLUMNS, page.items));
        if (page.next_cursor !== undefined) context.io.stderr(`more streams: --cursor ${page.next_cursor}\n`);
        return EXIT_OK;
      },
    },
    {
      name: 'streams delete',
      summary: 'delete an event stream and what is queued on it (its receiver may create another)',
      args: ['STREAM_ID'],
      synopsis: 'STREAM_ID',
      options: {},
      async run(context) {
        const id = context.args[0] as string;
        await context.admin().deleteStream(id);
        context.io.stdout(context.json ? renderJson({ deleted: id }) : `deleted stream ${id}\n`);
        return EXIT_OK;
      },
    },
  ],
};
