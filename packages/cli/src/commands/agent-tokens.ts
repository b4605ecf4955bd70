import type { AgentToken } from '../admin-types.js';
import { EXIT_OK } from '../cli-errors.js';
import type { Command } from '../command.js';
import { renderJson, renderTable, type Column } from '../output.js';
import { checkId } from './agent-view.js';

const COLUMNS: Column<AgentToken>[] = [
  { header: 'JTI', value: (token) => token.jti },
  { header: 'ISSUED', value: (token) => token.issued_at },
  { header: 'EXPIRES', value: (token) => token.expires_at },
  { header: 'SCOPE', value: (token) => token.scope },
  { header: 'AUDIENCE', value: (token) => token.aud },
  { header: 'BINDING', value: (token) => token.binding ?? '?' },
  { header: 'PARENT', value: (token) => token.parent_jti },
  { header: 'REVOKED', value: (token) => (token.revoked ? 'yes' : 'no') },
];

/** Shown only when a token was obtained by one agent for another (RFC 8693 exchange). */
const EXCHANGE_COLUMNS: Column<AgentToken>[] = [
  { header: 'SUB', value: (token) => token.sub },
  { header: 'CLIENT', value: (token) => token.client_id },
];

/**
 * `agentauth agents tokens ID`: the agent's unexpired tokens (`GET /admin/v1/agents/{id}/tokens`),
 * oldest first: the tokens themselves are never stored, only what the server knows of them.
 */
export const agentTokensCommand: Command = {
  name: 'agents tokens',
  summary: "list an agent's unexpired tokens: jti, times, scope, audience, binding, parent",
  args: ['ID'],
  synopsis: 'ID [--limit N] [--cursor C] [--all]',
  options: {
    limit: { type: 'string', placeholder: 'N', description: 'page size, 1-500 (default 50)' },
    cursor: { type: 'string', placeholder: 'CURSOR', description: 'continue from a previous page' },
    all: { type: 'boolean', description: 'follow next_cursor to the end' },
  },
  async run(context) {
    const { flags } = context;
    const id = checkId(context.args[0] ?? '', this.name);
    const limit = flags.int('limit', 1, 500);
    const cursor = flags.string('cursor');
    const admin = context.admin();
    const query = { ...(limit === undefined ? {} : { limit }) };
    let page = await admin.listAgentTokens(id, cursor === undefined ? query : { ...query, cursor });
    const items = [...page.items];
    while (flags.bool('all') && page.next_cursor !== undefined) {
      page = await admin.listAgentTokens(id, { ...query, cursor: page.next_cursor });
      items.push(...page.items);
    }
    const next = page.next_cursor;
    if (context.json) {
      context.io.stdout(renderJson(next === undefined ? { items } : { items, next_cursor: next }));
      return EXIT_OK;
    }
    const exchanged = items.some((token) => token.sub !== token.client_id);
    context.io.stdout(renderTable(exchanged ? [COLUMNS[0] as Column<AgentToken>, ...EXCHANGE_COLUMNS, ...COLUMNS.slice(1)] : COLUMNS, items));
    if (items.length === 0) context.io.stderr(`agent ${id} holds no unexpired token\n`);
    if (next !== undefined) context.io.stderr(`more tokens: pass --all, or --cursor ${next}\n`);
    return EXIT_OK;
  },
};
