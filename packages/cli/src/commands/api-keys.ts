import type { ApiKey, ImportedKey } from '../admin-types.js';
import { importRefusal, readImportFile } from '../key-import-files.js';
import { EXIT_OK, UsageError } from '../cli-errors.js';
import type { Command, CommandContext, CommandGroup } from '../command.js';
import { renderFields, renderJson, renderTable } from '../output.js';
import { checkId } from './agent-view.js';

/** Longest lifetime the CLI passes on; the server's apiKeyMaxTtl setting decides within it. */
const MAX_TTL_SECONDS = 366 * 86_400;
/** Longest overlap the server accepts: one week. */
const MAX_OVERLAP_SECONDS = 7 * 86_400;

function fields(key: ApiKey): [string, unknown][] {
  return [
    ['id', key.id],
    ['agent', key.agent_id],
    ['owner', key.owner],
    ['status', key.status],
    ['scopes', key.scopes],
    ['resources', key.resources],
    ['labels', key.labels],
    ['created', key.created_at],
    ['expires', key.expires_at],
    ['revoked', key.revoked_at],
    ['replaces', key.replaces_id],
    ['uses', key.usage.count],
    ['last used', key.usage.last_used_at],
    ['sources', key.usage.source_addresses],
  ];
}

/** The handle of an imported key, as opposed to a managed key's `ak_`. */
const IMPORTED_PREFIX = 'ik_';

function importedFields(key: ImportedKey): [string, unknown][] {
  return [
    ['id', key.id],
    ['agent', key.agent_id],
    ['owner', key.owner],
    ['status', key.status],
    ['scopes', key.scopes],
    ['resources', key.resources],
    ['labels', key.labels],
    ['imported', key.imported_at],
    ['expires', key.expires_at],
    ['revoked', key.revoked_at],
    ['uses', key.usage.count],
    ['last used', key.usage.last_used_at],
    ['sources', key.usage.source_addresses],
  ];
}

/** Imported keys as a table, or JSON `{ items }`. */
function printImported(context: CommandContext, items: ImportedKey[]): number {
  if (context.json) {
    context.io.stdout(renderJson({ items }));
    return EXIT_OK;
  }
  context.io.stdout(
    renderTable<ImportedKey>(
      [
        { header: 'ID', value: (k) => k.id },
        { header: 'AGENT', value: (k) => k.agent_id },
        { header: 'OWNER', value: (k) => k.owner },
        { header: 'STATUS', value: (k) => k.status },
        { header: 'EXPIRES', value: (k) => k.expires_at },
        { header: 'USES', value: (k) => k.usage.count },
        { header: 'LAST USED', value: (k) => k.usage.last_used_at },
      ],
      items,
    ),
  );
  return EXIT_OK;
}

/** The key on stdout (for `$(...)`), what it is on stderr: it is shown only this once. */
function printCreated(context: CommandContext, created: { api_key: ApiKey; key: string }, what: string): number {
  if (context.json) {
    context.io.stdout(renderJson(created));
  } else {
    context.io.stdout(`${created.key}\n`);
    context.io.stderr(`${what} ${created.api_key.id} for ${created.api_key.agent_id}, expires ${created.api_key.expires_at}; the key is shown only once.\n`);
  }
  return EXIT_OK;
}

const create: Command = {
  name: 'api-keys create',
  summary: 'create a managed API key for an agent (docs/migration.md); expiry is mandatory',
  args: ['AGENT'],
  synopsis: 'AGENT --ttl SECONDS [--scope S]... [--resource R]... [--owner O] [--label k=v]...',
  options: {
    ttl: { type: 'string', placeholder: 'SECONDS', description: 'lifetime, at least 3600, at most the server\'s apiKeyMaxTtl' },
    scope: { type: 'string', multiple: true, placeholder: 'SCOPE', description: 'scope within the agent\'s (repeatable; default all of them)' },
    resource: { type: 'string', multiple: true, placeholder: 'URI', description: 'resource within the agent\'s (repeatable; default all of them)' },
    owner: { type: 'string', placeholder: 'OWNER', description: 'who answers for the key (default the agent\'s owner)' },
    label: { type: 'string', multiple: true, placeholder: 'KEY=VALUE', description: 'label (repeatable)' },
  },
  async run(context) {
    const agentId = checkId(context.args[0] ?? '', this.name, 'AGENT');
    const ttl = context.flags.int('ttl', 1, MAX_TTL_SECONDS);
    if (ttl === undefined) throw new UsageError('--ttl is required: every key expires', this.name);
    const owner = context.flags.string('owner');
    const body = {
      ttl,
      ...(context.flags.has('scope') ? { scopes: context.flags.strings('scope') } : {}),
      ...(context.flags.has('resource') ? { resources: context.flags.strings('resource') } : {}),
      ...(owner === undefined ? {} : { owner }),
      ...(context.flags.has('label') ? { labels: context.flags.labels('label') } : {}),
    };
    return printCreated(context, await context.admin().createApiKey(agentId, body), 'API key');
  },
};

const list: Command = {
  name: 'api-keys list',
  summary: 'list managed API keys with their usage, of one agent or all',
  args: [],
  synopsis: '[--imported] [--agent AGENT] [--limit N]',
  options: {
    imported: { type: 'boolean', description: 'list the third-party keys imported by digest instead' },
    agent: { type: 'string', placeholder: 'AGENT', description: 'only this agent\'s keys' },
    limit: { type: 'string', placeholder: 'N', description: 'at most N keys, 1-500 (default 100)' },
  },
  async run(context) {
    const agent = context.flags.string('agent');
    const agentId = agent === undefined ? undefined : checkId(agent, this.name, '--agent');
    if (context.flags.has('imported')) return printImported(context, (await context.admin().listImportedKeys(agentId, context.flags.int('limit', 1, 500))).items);
    const page = await context.admin().listApiKeys(agentId, context.flags.int('limit', 1, 500));
    if (context.json) {
      context.io.stdout(renderJson(page));
      return EXIT_OK;
    }
    context.io.stdout(
      renderTable<ApiKey>(
        [
          { header: 'ID', value: (k) => k.id },
          { header: 'AGENT', value: (k) => k.agent_id },
          { header: 'OWNER', value: (k) => k.owner },
          { header: 'STATUS', value: (k) => k.status },
          { header: 'EXPIRES', value: (k) => k.expires_at },
          { header: 'USES', value: (k) => k.usage.count },
          { header: 'LAST USED', value: (k) => k.usage.last_used_at },
        ],
        page.items,
      ),
    );
    return EXIT_OK;
  },
};

const show: Command = {
  name: 'api-keys show',
  summary: 'show one managed (ak_) or imported (ik_) key and its usage (never the key)',
  args: ['ID'],
  synopsis: 'ID',
  options: {},
  async run(context) {
    const id = checkId(context.args[0] ?? '', this.name);
    if (id.startsWith(IMPORTED_PREFIX)) {
      const imported = await context.admin().getImportedKey(id);
      context.io.stdout(context.json ? renderJson(imported) : renderFields(importedFields(imported)));
      return EXIT_OK;
    }
    const key = await context.admin().getApiKey(id);
    context.io.stdout(context.json ? renderJson(key) : renderFields(fields(key)));
    return EXIT_OK;
  },
};

const rotate: Command = {
  name: 'api-keys rotate',
  summary: 'rotate a managed API key: a new key now, the old one working for the overlap window',
  args: ['ID'],
  synopsis: 'ID --overlap SECONDS [--ttl SECONDS]',
  options: {
    overlap: { type: 'string', placeholder: 'SECONDS', description: 'how long the old key keeps working, 0-604800' },
    ttl: { type: 'string', placeholder: 'SECONDS', description: 'lifetime of the new key (default the old key\'s)' },
  },
  async run(context) {
    const id = checkId(context.args[0] ?? '', this.name);
    const overlap = context.flags.int('overlap', 0, MAX_OVERLAP_SECONDS);
    if (overlap === undefined) throw new UsageError('--overlap is required (0 ends the old key now)', this.name);
    return printCreated(context, await context.admin().rotateApiKey(id, overlap, context.flags.int('ttl', 1, MAX_TTL_SECONDS)), 'new API key');
  },
};

const revoke: Command = {
  name: 'api-keys revoke',
  summary: 'revoke a managed (ak_) or imported (ik_) key at once',
  args: ['ID'],
  synopsis: 'ID',
  options: {},
  async run(context) {
    const id = checkId(context.args[0] ?? '', this.name);
    const key = id.startsWith(IMPORTED_PREFIX) ? await context.admin().revokeImportedKey(id) : await context.admin().revokeApiKey(id);
    if (context.json) context.io.stdout(renderJson(key));
    else context.io.stderr(`revoked ${key.id} of ${key.agent_id}\n`);
    return EXIT_OK;
  },
};

const importKeys: Command = {
  name: 'api-keys import',
  summary: 'import the third-party keys your services accept, by SHA-256 digest only, all or nothing',
  args: ['FILE'],
  synopsis: 'FILE [--format jsonl|csv]',
  options: {
    format: { type: 'string', placeholder: 'FORMAT', description: 'jsonl (one JSON object a line) or csv (a header row); default by the file name: .csv is CSV' },
  },
  async run(context) {
    const file = context.args[0] ?? '';
    const format = context.flags.string('format');
    if (format !== undefined && format !== 'jsonl' && format !== 'csv') throw new UsageError('--format must be jsonl or csv', this.name);
    const lines = await readImportFile(file, format);
    let imported: ImportedKey[];
    try {
      imported = (await context.admin().importKeys(lines)).items;
    } catch (error) {
      throw importRefusal(file, error);
    }
    if (!context.json) context.io.stderr(`imported ${imported.length} key${imported.length === 1 ? '' : 's'} by digest; services ask about them at POST /introspect/key-digest.\n`);
    return printImported(context, imported);
  },
};

/** `agentauth api-keys ...`: managed API keys and imported ones, the bridge off static keys (docs/migration.md). */
export const apiKeysGroup: CommandGroup = {
  name: 'api-keys',
  summary: 'managed API keys: create, list, show, rotate, revoke; import existing keys by digest (docs/migration.md)',
  commands: [create, list, show, rotate, revoke, importKeys],
};
