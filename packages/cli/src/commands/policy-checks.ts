import type { PolicyDiffReport, PolicyOutcomeChange, PolicyTestResult, TestPoliciesRequest } from '../admin-types.js';
import { EXIT_OK, UsageError } from '../cli-errors.js';
import type { Command } from '../command.js';
import { renderJson, renderTable, sanitize, type Column } from '../output.js';
import { PROPOSAL_OPTIONS, proposalOf, readPolicySource, withPolicyFile } from '../policy-files.js';

const ACTIONS = ['issue_token', 'exchange_token', 'issue_certificate', 'register_agent'] as const;

const DECISION_COLUMNS: Column<PolicyTestResult['decisions'][number]>[] = [
  { header: 'RESOURCE', value: (d) => d.resource },
  { header: 'SCOPE', value: (d) => d.scope },
  { header: 'DECISION', value: (d) => (d.errors.length > 0 ? 'deny (error)' : d.allowed ? 'allow' : 'deny') },
  { header: 'POLICIES', value: (d) => d.policies },
];

const CHANGE_COLUMNS: Column<PolicyOutcomeChange>[] = [
  { header: 'CHANGE', value: (c) => c.change },
  { header: 'AGENT', value: (c) => c.agent_id },
  { header: 'RESOURCE', value: (c) => c.resource },
  { header: 'SCOPE', value: (c) => c.scope },
  { header: 'COUNT', value: (c) => c.count },
  { header: 'EXAMPLE', value: (c) => `#${c.example.seq} ${c.example.time} ${c.example.recorded} -> ${c.example.proposed}` },
];

function describeResult(result: PolicyTestResult['result']): string {
  if (!result.allowed) return `denied: ${result.error ?? 'refused'}: ${result.error_description ?? ''}`;
  const scopes = result.scopes === undefined || result.scopes.length === 0 ? '(no scope)' : `scope ${result.scopes.join(' ')}`;
  const capped = result.ttl_capped_from === undefined ? '' : ` (capped from ${result.ttl_capped_from} s)`;
  const narrowed = result.narrowed_scopes === undefined ? '' : `; dropped ${result.narrowed_scopes.join(' ')}`;
  return `allowed: ${scopes}, lifetime ${result.ttl ?? '?'} s${capped}${narrowed}`;
}

/** `agentauth policies test`: decide a described request under the set in force or a proposed file. */
export const policyTestCommand: Command = {
  name: 'policies test',
  summary: 'decide a described request under the set in force, or under a proposed policy file',
  args: [],
  synopsis: '--agent ID [--action A] [--resource R]... [--scope S]... [--binding none|dpop|mtls] [--source-ip IP] [--time ISO] [--policies FILE [--replace]]',
  options: {
    agent: { type: 'string', placeholder: 'ID', description: 'the agent asking (its registry record is the principal)' },
    action: { type: 'string', placeholder: 'A', description: `${ACTIONS.join(', ')} (default issue_token)` },
    resource: { type: 'string', multiple: true, placeholder: 'R', description: 'an RFC 8707 audience' },
    scope: { type: 'string', multiple: true, placeholder: 'S', description: 'a requested scope' },
    binding: { type: 'string', placeholder: 'B', description: 'the key binding: none (default), dpop or mtls' },
    'source-ip': { type: 'string', placeholder: 'IP', description: "the caller's address (default unknown: policies see 0.0.0.0)" },
    time: { type: 'string', placeholder: 'ISO', description: 'when, RFC 3339 (default now)' },
    policies: { type: 'string', placeholder: 'FILE', description: 'decide under the set this Cedar file would make instead (nothing is applied)' },
    replace: PROPOSAL_OPTIONS.replace,
  },
  async run(context) {
    const { flags } = context;
    const time = flags.string('time');
    if (time !== undefined && Number.isNaN(Date.parse(time))) throw new UsageError('--time must be an RFC 3339 date-time, such as 2026-03-02T03:00:00Z', context.command);
    const binding = flags.choice('binding', ['none', 'dpop', 'mtls'] as const);
    const sourceIp = flags.string('source-ip');
    const file = flags.string('policies');
    if (flags.bool('replace') && file === undefined) throw new UsageError('--replace needs --policies FILE', context.command);
    const body: TestPoliciesRequest = {
      agent_id: flags.required('agent'),
      action: flags.choice('action', ACTIONS) ?? 'issue_token',
      resources: flags.strings('resource'),
      scopes: flags.strings('scope'),
      context: {
        ...(time === undefined ? {} : { time: new Date(time).toISOString() }),
        ...(binding === undefined ? {} : { binding }),
        ...(sourceIp === undefined ? {} : { source_ip: sourceIp }),
      },
      ...(file === undefined ? {} : { source: await readPolicySource(file, context.command), ...(flags.bool('replace') ? { replace: true } : {}) }),
    };
    const answer = file === undefined ? await context.admin().testPolicies(body) : await withPolicyFile(file, () => context.admin().testPolicies(body));
    if (context.json) {
      context.io.stdout(renderJson(answer));
      return EXIT_OK;
    }
    const under = answer.proposed ? `the proposed set (version ${answer.version} if applied)` : `policy set version ${answer.version}`;
    context.io.stdout(`decided under ${under}\n${renderTable(DECISION_COLUMNS, answer.decisions)}result: ${sanitize(describeResult(answer.result))}\n`);
    return EXIT_OK;
  },
};

function describeReport(report: PolicyDiffReport): string {
  const skipped = [
    report.not_replayable > 0 ? `${report.not_replayable} not replayable` : '',
    report.agents_missing > 0 ? `${report.agents_missing} of agents deleted since` : '',
  ].filter((part) => part !== '');
  const head = `replayed ${report.replayed} of ${report.records_read} token decisions from ${report.from} to ${report.to} (set in force: version ${report.current_version})${skipped.length > 0 ? `; skipped ${skipped.join(', ')}` : ''}`;
  if (report.changes.length === 0) return `${head}\nno past decision would change\n`;
  return `${head}\n${report.changed_requests} would change:\n${renderTable(CHANGE_COLUMNS, report.changes)}`;
}

/** `agentauth policies diff`: the dry run of a proposed file against the decisions on record. */
export const policyDiffCommand: Command = {
  name: 'policies diff',
  summary: 'dry run: replay the token decisions of the last DURATION under a proposed policy file, and list those that would change',
  args: ['FILE'],
  synopsis: '--since DURATION FILE [--replace] [--entities FILE]',
  options: {
    since: { type: 'string', placeholder: 'DURATION', description: 'how far back: 90s, 30m, 24h, 7d (at most 400d)' },
    ...PROPOSAL_OPTIONS,
  },
  async run(context) {
    const since = context.flags.required('since');
    if (!/^[1-9][0-9]{0,4}[smhd]$/.test(since)) throw new UsageError('--since must be a duration such as 90s, 30m, 24h or 7d', context.command);
    const file = context.args[0] as string;
    const proposal = await proposalOf(context, file);
    const report = await withPolicyFile(file, () => context.admin().diffPolicies({ ...proposal, since }));
    if (context.json) {
      context.io.stdout(renderJson(report));
      return EXIT_OK;
    }
    context.io.stdout(describeReport(report));
    if (report.capped) context.io.stderr('note: the window held more decisions than one dry run reads (100 000): only the oldest were replayed; use a shorter --since\n');
    return EXIT_OK;
  },
};
