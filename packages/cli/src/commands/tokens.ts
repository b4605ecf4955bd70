import type { TokenChainNode } from '../admin-types.js';
import { EXIT_OK } from '../cli-errors.js';
import type { CommandGroup } from '../command.js';
import { renderJson, renderTable, type Column } from '../output.js';

type Row = TokenChainNode & { role: string };

const CHAIN_COLUMNS: Column<Row>[] = [
  { header: 'ROLE', value: (row) => row.role },
  { header: 'JTI', value: (row) => row.jti },
  { header: 'PARENT', value: (row) => row.parent_jti },
  { header: 'SUB', value: (row) => row.sub },
  { header: 'ACTOR', value: (row) => row.client_id },
  { header: 'SCOPE', value: (row) => row.scope },
  { header: 'AUD', value: (row) => row.aud },
  { header: 'TASK', value: (row) => row.task_id },
  { header: 'EXPIRES', value: (row) => row.expires_at },
  { header: 'REVOKED', value: (row) => (row.revoked ? 'yes' : 'no') },
];

/** `agentauth tokens ...`: issued tokens and their RFC 8693 exchange lineage. */
export const tokensGroup: CommandGroup = {
  name: 'tokens',
  summary: 'show the exchange chain of an issued token, or revoke one',
  commands: [
    {
      name: 'tokens chain',
      summary: 'show the lineage of a token: what it was exchanged from, and what was exchanged from it',
      args: ['JTI'],
      synopsis: 'JTI',
      options: {},
      async run(context) {
        const chain = await context.admin().getTokenChain(context.args[0] ?? '');
        if (context.json) {
          context.io.stdout(renderJson(chain));
          return EXIT_OK;
        }
        const rows: Row[] = [
          ...chain.ancestors.map((node, index) => ({ ...node, role: index === 0 ? 'root' : 'ancestor' })),
          { ...chain.token, role: chain.ancestors.length === 0 ? 'root (this)' : 'this' },
          ...chain.descendants.map((node) => ({ ...node, role: 'descendant' })),
        ];
        context.io.stdout(renderTable(CHAIN_COLUMNS, rows));
        if (chain.truncated) context.io.stderr('more descendants exist than shown\n');
        return EXIT_OK;
      },
    },
    {
      name: 'tokens revoke',
      summary: 'revoke a token by jti, and every token exchanged from it',
      args: ['JTI'],
      synopsis: 'JTI',
      options: {},
      async run(context) {
        const result = await context.admin().revokeToken(context.args[0] ?? '');
        context.io.stdout(context.json ? renderJson(result) : `revoked ${result.jti}\n`);
        return EXIT_OK;
      },
    },
  ],
};
