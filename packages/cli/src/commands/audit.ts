import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

import { AdminApiError } from '../admin-api-error.js';
import type { AdminClient } from '../admin-client.js';
import type { AuditHead, AuditOptions, AuditRecord, AuditVerdict } from '../admin-types.js';
import type { Flags, OptionSpec } from '../args.js';
import { CommandFailedError, EXIT_OK, UsageError } from '../cli-errors.js';
import type { CommandContext, CommandGroup } from '../command.js';
import { cell, renderFields, renderJson } from '../output.js';
import { listCheckpointsCommand, verifyAgainstCheckpoints } from './audit-checkpoints.js';
import { siemStatusCommand } from './audit-siem.js';

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

function filters(flags: Flags, command: string): AuditOptions {
  const query: AuditOptions = {};
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

/**
 * One record as one log-style line; empty fields are left out. `names` gives an agent's name by
 * id, shown after the id (`agent=agt_... (invoice-bot)`); `undefined` for an id it does not know.
 */
export function renderAuditLine(record: AuditRecord, names: ReadonlyMap<string, string> = new Map()): string {
  const parts = [cell(record.time), `#${record.seq}`, cell(record.event), cell(record.outcome)];
  for (const [label, value] of [
    ['agent', record.agent_id],
    ['actor', record.actor],
    ['ip', record.source_ip],
    ['reason', record.reason],
  ] as const) {
    if (value === null || value === undefined || value === '') continue;
    const id = label === 'agent' ? value : label === 'actor' ? /^(?:agent|admin):(agt_.+)$/.exec(value)?.[1] : undefined;
    const name = id === undefined ? undefined : names.get(id);
    parts.push(`${label}=${cell(value)}${name === undefined ? '' : ` (${cell(name)})`}`);
  }
  return `${parts.join('  ')}\n`;
}

/** Our agent ids (`agt_` + 22 base64url characters); a failed login may name anything else. */
const AGENT_ID = /^agt_[A-Za-z0-9_-]{22}$/;

/**
 * Agents' names for `audit tail`, looked up once per id through the admin API. An id no agent has
 * (deleted, or never one: a failed login names what it was sent) shows as `(unknown)`.
 */
class AgentNames {
  readonly #admin: AdminClient;
  readonly names = new Map<string, string>();

  constructor(admin: AdminClient) {
    this.#admin = admin;
  }

  async learn(records: readonly AuditRecord[]): Promise<void> {
    const ids = new Set<string>();
    for (const record of records) {
      const actor = /^(?:agent|admin):(agt_.+)$/.exec(record.actor ?? '')?.[1];
      for (const id of [record.agent_id, actor]) if (id !== null && id !== undefined && AGENT_ID.test(id) && !this.names.has(id)) ids.add(id);
    }
    await Promise.all(
      [...ids].map(async (id) => {
        try {
          this.names.set(id, (await this.#admin.getAgent(id)).name);
        } catch (error) {
          // A name is a convenience: only the server being unreachable stops the tail.
          if (!(error instanceof AdminApiError)) throw error;
          this.names.set(id, error.status === 404 ? 'unknown' : '?');
        }
      }),
    );
  }
}

async function printRecords(context: CommandContext, records: AuditRecord[], names: AgentNames): Promise<void> {
  if (records.length === 0) return;
  if (context.json) {
    for (const record of records) context.io.stdout(`${JSON.stringify(record)}\n`);
    return;
  }
  await names.learn(records);
  for (const record of records) context.io.stdout(renderAuditLine(record, names.names));
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
  const names = new AgentNames(admin);

  let cursor: string | undefined;
  let page = await admin.listAudit(query);
  let last: AuditRecord[] = page.items.slice(-lines);
  while (page.next_cursor !== undefined) {
    cursor = page.next_cursor;
    page = await admin.listAudit({ ...query, cursor });
    last = [...last, ...page.items].slice(-lines);
  }
  await printRecords(context, last, names);
  let lastSeq = page.items.at(-1)?.seq ?? last.at(-1)?.seq ?? 0;

  if (!flags.bool('follow')) return EXIT_OK;
  const stopped = (): boolean => io.signal?.aborted === true;
  while (!stopped()) {
    await io.sleep(FOLLOW_INTERVAL_MS, io.signal);
    if (stopped()) break;
    for (;;) {
      page = await admin.listAudit(cursor === undefined ? query : { ...query, cursor });
      const fresh = page.items.filter((record) => record.seq > lastSeq);
      await printRecords(context, fresh, names);
      lastSeq = fresh.at(-1)?.seq ?? lastSeq;
      if (page.next_cursor === undefined) break;
      cursor = page.next_cursor;
    }
  }
  return EXIT_OK;
}

/** `SEQ:HASH`, as `audit verify` prints the head. */
function parseHead(text: string, command: string): AuditHead {
  const match = /^([1-9][0-9]{0,15}):([A-Za-z0-9_-]{43})$/.exec(text);
  if (match === null || !Number.isSafeInteger(Number(match[1]))) {
    throw new UsageError('--expect-head must be SEQ:HASH as audit verify prints it, e.g. 1234:Xb1..., with seq from 1', command);
  }
  return { seq: Number(match[1]), hash: match[2] as string };
}

const PROBLEMS: Record<NonNullable<AuditVerdict['problem']>, string> = {
  edited: 'a record was edited',
  deleted: 'a record was deleted',
  reordered: 'records were reordered',
  truncated: 'the log was truncated: it ends before the expected head',
  rewritten: 'the log was rewritten: the record at the expected head has another hash',
};

/**
 * `audit verify`: the server walks the chain; the head it reports is printed as `SEQ:HASH`, to be
 * kept outside the database and given back as `--expect-head` to catch a truncated log.
 */
async function verify(context: CommandContext): Promise<number> {
  const expected = context.flags.string('expect-head');
  const checkpoints = context.flags.string('checkpoints');
  if (checkpoints !== undefined && expected !== undefined) throw new UsageError('give --checkpoints or --expect-head, not both', 'audit verify');
  if (checkpoints === undefined && context.flags.has('jwks')) throw new UsageError('--jwks needs --checkpoints', 'audit verify');
  if (checkpoints !== undefined) return verifyAgainstCheckpoints(context, checkpoints, PROBLEMS);
  const head = expected === undefined ? undefined : parseHead(expected, 'audit verify');
  const result = await context.admin().verifyAudit(head);
  const last = result.last_seq === undefined || result.last_hash === undefined ? undefined : `${result.last_seq}:${result.last_hash}`;
  if (context.json) context.io.stdout(renderJson(result));
  else if (result.ok) {
    context.io.stdout(
      `audit chain intact: ${result.records_checked} records checked\n` +
        renderFields([
          ['head', last ?? '(not reported by this server)'],
          ...(head === undefined ? [] : ([['expected head', `${head.seq}:${head.hash} (still in the log)`]] as const)),
        ]),
    );
    if (head === undefined && last !== undefined) context.io.stderr(`keep the head outside the database; later, 'agentauth audit verify --expect-head ${last}' detects truncation.\n`);
  } else {
    context.io.stdout(
      `audit chain BROKEN\n${renderFields([
        ['first bad seq', result.first_bad_seq],
        ['problem', result.problem === undefined ? undefined : PROBLEMS[result.problem] ?? result.problem],
        ['records checked', result.records_checked],
        ...(last === undefined ? [] : ([['head', last]] as const)),
        ...(head === undefined ? [] : ([['expected head', `${head.seq}:${head.hash}`]] as const)),
      ])}`,
    );
  }
  if (result.ok) return EXIT_OK;
  const where = result.first_bad_seq === undefined ? '' : ` at seq ${result.first_bad_seq}`;
  const why = result.problem === undefined ? '' : `: ${PROBLEMS[result.problem] ?? result.problem}`;
  throw new CommandFailedError(result.problem === 'truncated' || result.problem === 'rewritten' ? `audit_log_${result.problem}` : 'audit_chain_broken', `the audit chain is broken${where}${why}`);
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
      summary: 'check the hash chain and print its head (SEQ:HASH); exits 1 if it is broken or lost an expected head or checkpoint',
      args: [],
      synopsis: '[--expect-head SEQ:HASH | --checkpoints DIR [--jwks FILE]]',
      options: {
        'expect-head': { type: 'string', placeholder: 'SEQ:HASH', description: 'a head printed by an earlier verify, kept outside the database: fail unless the log still holds it' },
        checkpoints: { type: 'string', placeholder: 'DIR', description: 'exported signed checkpoints: fail unless each verifies and the log still holds every record they vouch for' },
        jwks: { type: 'string', placeholder: 'FILE', description: "a saved JWK Set to check the checkpoints' signatures with, instead of the server's jwks_uri" },
      },
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
    listCheckpointsCommand,
    siemStatusCommand,
  ],
};
