import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

import type { AuditQuery, AuditRecord } from '../admin-types.js';
import type { Flags, OptionSpec } from '../args.js';
import { EXIT_FAILED, EXIT_OK, UsageError } from '../cli-errors.js';
import type { CommandContext, CommandGroup } from '../command.js';
import { cell, renderFields, renderJson } from '../output.js';

/** How often `audit tail --follow` asks for new records. */
export const FOLLOW_INTERVAL_MS = 1000;
/** The largest page the admin API serves; tail reads in pages this big. */
const PAGE = 500;

/** RFC 3339 date-time (§5.6), with a zone. */
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

const FILTER_OPTIONS: Record<string, OptionSpec> = {
  agent: { type: 'string', placeholder: 'ID', description: 'only records about this agent' },
  event: { type: 'string', placeholder: 'EVENT', description: 'only this event, e.g. access_token.issued' },
  outcome: { type: 'string', placeholder: 'OUTCOME', description: 'only this outcome' },
};
const RANGE_OPTIONS: Record<string, OptionSpec> = {
  from: { type: 'string', placeholder: 'TIME', description: 'RFC 3339 time, inclusive' },
  to: { type: 'string', placeholder: 'TIME', description: 'RFC 3339 time, exclusive' },
};

function filters(flags: Flags, command: string): AuditQuery {
  const query: AuditQuery = {};
  const agent = flags.string('agent');
  if (agent !== undefined) query.agent_id = agent;
  const event = flags.string('event');
  if (event !== undefined) query.event = event;
  const outcome = flags.string('outcome');
  if (outcome !== undefined) query.outcome = outcome;
  for (const name of ['from', 'to'] as const) {
    const value = flags.has(name) ? flags.string(name) : undefined;
    if (value === undefined) continue;
    if (!RFC3339.test(value) || Number.isNaN(Date.parse(value))) throw new UsageError(`--${name} must be an RFC 3339 time, e.g. 2026-01-31T09:00:00Z`, command);
    query[name] = value;
  }
  return query;
}

/** One record as one log-style line; empty fields are left out. */
export function renderAuditLine(record: AuditRecord): string {
  const parts = [cell(record.time), `#${record.seq}`, cell(record.event), cell(record.outcome)];
  for (const [label, value] of [
    ['agent', record.agent_id],
    ['actor', record.actor],
    ['ip', record.source_ip],
    ['reason', record.reason],
  ] as const) {
    if (value !== null && value !== undefined && value !== '') parts.push(`${label}=${cell(value)}`);
  }
  return `${parts.join('  ')}\n`;
}

function printRecords(context: CommandContext, records: AuditRecord[]): void {
  for (const record of records) context.io.stdout(context.json ? `${JSON.stringify(record)}\n` : renderAuditLine(record));
}

/**
 * `audit tail`: the last records (the log is ordered by seq ascending, so it pages to the end),
 * then with --follow asks again with the last page's cursor every second. Records already shown
 * are skipped by seq, since the last page is asked for again until it fills up.
 */
async function tail(context: CommandContext): Promise<number> {
  const { flags, io } = context;
  const lines = flags.int('lines', 1, 10_000) ?? 20;
  const query = { ...filters(flags, 'audit tail'), limit: PAGE };
  const admin = context.admin();

  let cursor: string | undefined;
  let page = await admin.listAudit(query);
  let last: AuditRecord[] = page.items.slice(-lines);
  while (page.next_cursor !== undefined) {
    cursor = page.next_cursor;
    page = await admin.listAudit({ ...query, cursor });
    last = [...last, ...page.items].slice(-lines);
  }
  printRecords(context, last);
  let lastSeq = page.items.at(-1)?.seq ?? last.at(-1)?.seq ?? 0;

  if (!flags.bool('follow')) return EXIT_OK;
  const stopped = (): boolean => io.signal?.aborted === true;
  while (!stopped()) {
    await io.sleep(FOLLOW_INTERVAL_MS, io.signal);
    if (stopped()) break;
    for (;;) {
      page = await admin.listAudit(cursor === undefined ? query : { ...query, cursor });
      const fresh = page.items.filter((record) => record.seq > lastSeq);
      printRecords(context, fresh);
      lastSeq = fresh.at(-1)?.seq ?? lastSeq;
      if (page.next_cursor === undefined) break;
      cursor = page.next_cursor;
    }
  }
  return EXIT_OK;
}

async function verify(context: CommandContext): Promise<number> {
  const result = await context.admin().verifyAudit();
  if (context.json) context.io.stdout(renderJson(result));
  else if (result.ok) context.io.stdout(`audit chain intact: ${result.records_checked} records checked\n`);
  else {
    context.io.stdout(
      `audit chain BROKEN\n${renderFields([
        ['first bad seq', result.first_bad_seq],
        ['problem', result.problem === undefined ? undefined : `record ${result.problem}`],
        ['records checked', result.records_checked],
      ])}`,
    );
  }
  return result.ok ? EXIT_OK : EXIT_FAILED;
}

async function exportAudit(context: CommandContext): Promise<number> {
  const { flags, io } = context;
  const query = filters(flags, 'audit export');
  const out = flags.string('out');
  // Open the file first, so a bad path fails before the server streams anything.
  const file = out === undefined ? undefined : createWriteStream(out, { flags: 'wx', mode: 0o600 });
  if (file !== undefined) {
    try {
      await once(file, 'open');
    } catch (error) {
      const code = (error as { code?: string }).code;
      throw new UsageError(code === 'EEXIST' ? `refusing to overwrite ${out}` : `cannot write ${out}: ${code ?? 'error'}`, 'audit export');
    }
  }
  let records = 0;
  try {
    const reader = (await context.admin().exportAudit(query)).getReader();
    const decoder = new TextDecoder();
    for (;;) {
      const { done, value: chunk } = await reader.read();
      if (done) break;
      for (const byte of chunk) if (byte === 0x0a) records++;
      if (file === undefined) io.stdout(decoder.decode(chunk, { stream: true }));
      else if (!file.write(chunk)) await once(file, 'drain');
    }
    if (file === undefined) io.stdout(decoder.decode());
  } finally {
    if (file !== undefined) {
      file.end();
      await once(file, 'close');
    }
  }
  if (out !== undefined) io.stderr(`wrote ${records} ${records === 1 ? 'record' : 'records'} to ${out}\n`);
  return EXIT_OK;
}

/** `agentauth audit ...`: the hash-chained audit log. */
export const auditGroup: CommandGroup = {
  name: 'audit',
  summary: 'read, verify and export the audit log',
  commands: [
    {
      name: 'audit tail',
      summary: 'show the latest audit records (--json: one JSON object a line)',
      args: [],
      synopsis: '[--follow] [--lines N] [--agent ID] [--event E] [--outcome O] [--from TIME]',
      options: {
        follow: { type: 'boolean', short: 'f', description: 'keep printing new records (polls every second)' },
        lines: { type: 'string', short: 'n', placeholder: 'N', description: 'how many records to show first (default 20)' },
        ...FILTER_OPTIONS,
        from: RANGE_OPTIONS.from as OptionSpec,
      },
      run: tail,
    },
    {
      name: 'audit verify',
      summary: 'check the hash chain; exits 1 if it is broken',
      args: [],
      synopsis: '',
      options: {},
      run: verify,
    },
    {
      name: 'audit export',
      summary: 'export records as ndjson (one JSON record a line)',
      args: [],
      synopsis: '[--from TIME] [--to TIME] [--agent ID] [--event E] [--outcome O] [--out FILE]',
      options: {
        ...RANGE_OPTIONS,
        ...FILTER_OPTIONS,
        out: { type: 'string', placeholder: 'FILE', description: 'write to FILE (mode 0600, never overwritten) instead of stdout' },
      },
      run: exportAudit,
    },
  ],
};
