import type { CutoverPlan, CutoverPlanKey, CutoverRule, SetCutoverRuleRequest } from '../admin-types.js';
import { EXIT_OK, UsageError } from '../cli-errors.js';
import type { Command, CommandContext } from '../command.js';
import { renderFields, renderJson, renderTable, type Column } from '../output.js';

const NAME = 'migration cutover';
const ACTIONS = ['set', 'clear', 'rules', 'plan'] as const;

const RULE_COLUMNS: Column<CutoverRule>[] = [
  { header: 'SCOPE', value: (rule) => rule.scope },
  { header: 'TARGET', value: (rule) => rule.target },
  { header: 'STAGE', value: (rule) => rule.stage },
  { header: 'WARN FROM', value: (rule) => rule.warn_from ?? '-' },
  { header: 'BLOCK FROM', value: (rule) => rule.block_from ?? '-' },
  { header: 'ID', value: (rule) => rule.id },
];

const PLAN_COLUMNS: Column<CutoverPlanKey>[] = [
  { header: 'STAGE', value: (key) => key.stage },
  { header: 'KEY', value: (key) => key.id },
  { header: 'KIND', value: (key) => key.kind },
  { header: 'AGENT', value: (key) => key.agent_id },
  { header: 'OWNER', value: (key) => key.owner || '-' },
  { header: 'RESOURCES', value: (key) => key.resources.join(' ') },
  { header: 'RULE', value: (key) => `${key.rule.scope} ${key.rule.target}` },
  { header: 'LAST USED', value: (key) => key.last_used_at ?? 'never' },
];

function ruleFields(rule: CutoverRule): [string, unknown][] {
  return [
    ['id', rule.id],
    ['scope', rule.scope],
    ['target', rule.target],
    ['stage', rule.stage],
    ['warn from', rule.warn_from],
    ['block from', rule.block_from],
    ['link', rule.link],
    ['version', rule.version],
    ['updated', `${rule.updated_at} by ${rule.updated_by}`],
  ];
}

/** The plan as people read it: who would be refused at the date, then who would be warned. */
export function renderCutoverPlan(plan: CutoverPlan): string {
  const agents = plan.agents.length;
  const lines = [
    `at ${plan.at}: ${plan.blocked.length} key(s) blocked (${agents} agent(s), ${plan.resources.length} resource(s)), ${plan.warned.length} warned${plan.truncated ? ' (truncated: at least)' : ''}`,
    '',
  ];
  const keys = [...plan.blocked, ...plan.warned];
  lines.push(keys.length === 0 ? 'no key would be blocked or warned' : renderTable(PLAN_COLUMNS, keys).trimEnd());
  return `${lines.join('\n')}\n`;
}

/** The one target among `--key`, `--agent` and `--resource`. */
function target(context: CommandContext): { scope: 'key' | 'agent' | 'resource'; target: string } {
  const given = (['key', 'agent', 'resource'] as const).flatMap((scope) => {
    const value = context.flags.string(scope);
    return value === undefined ? [] : [{ scope, target: value }];
  });
  const [only] = given;
  if (given.length !== 1 || only === undefined) throw new UsageError('name exactly one of --key, --agent and --resource', NAME);
  return only;
}

/** `now` as this machine's time, else the RFC 3339 time as typed (the server checks it). */
function date(context: CommandContext, flag: string): string | null {
  const value = context.flags.string(flag);
  if (value === undefined) return null;
  return value === 'now' ? new Date().toISOString() : value;
}

/**
 * `agentauth migration cutover set|clear|rules|plan`: the staged cut-over of API keys
 * (docs/migration.md, "Cutting keys off") over `/admin/v1/migration/cutover/…`.
 */
export const migrationCutoverCommand: Command = {
  name: NAME,
  summary: 'the staged cut-over of API keys: set or clear a key\'s, an agent\'s or a resource\'s warn and block dates, list the rules, or see who a date would block',
  args: ['ACTION'],
  synopsis: 'set (--key ID | --agent ID | --resource URI) [--warn-from TIME|now] [--block-from TIME|now] [--link URL] | clear (--key|--agent|--resource) | rules | plan [--at TIME]',
  options: {
    key: { type: 'string', placeholder: 'ID', description: 'the rule of one managed (ak_…) or imported (ik_…) key: the most specific' },
    agent: { type: 'string', placeholder: 'ID', description: 'the rule of every key of an agent' },
    resource: { type: 'string', placeholder: 'URI', description: 'the rule of every key used at a resource: the least specific' },
    'warn-from': { type: 'string', placeholder: 'TIME', description: 'set: accept with a warning from this RFC 3339 time, or now' },
    'block-from': { type: 'string', placeholder: 'TIME', description: 'set: refuse from this RFC 3339 time, or now (neither date: allow)' },
    link: { type: 'string', placeholder: 'URL', description: 'set: an https page telling callers how to move off their key' },
    at: { type: 'string', placeholder: 'TIME', description: 'plan: judge the keys at this RFC 3339 time (default now)' },
  },
  async run(context) {
    const action = context.args[0] as (typeof ACTIONS)[number];
    if (!ACTIONS.includes(action)) throw new UsageError(`ACTION must be one of ${ACTIONS.join(', ')}`, NAME);
    const only = (allowed: readonly string[]) => {
      for (const flag of ['key', 'agent', 'resource', 'warn-from', 'block-from', 'link', 'at']) {
        if (context.flags.has(flag) && !allowed.includes(flag)) throw new UsageError(`--${flag} does not go with ${action}`, NAME);
      }
    };
    const admin = context.admin();
    if (action === 'rules') {
      only([]);
      const { items } = await admin.listCutoverRules();
      context.io.stdout(context.json ? renderJson({ items }) : items.length === 0 ? 'no cut-over rules\n' : renderTable(RULE_COLUMNS, items));
      return EXIT_OK;
    }
    if (action === 'plan') {
      only(['at']);
      const at = context.flags.string('at');
      const plan = await admin.getCutoverPlan(at === undefined ? {} : { at });
      context.io.stdout(context.json ? renderJson(plan) : renderCutoverPlan(plan));
      return EXIT_OK;
    }
    if (action === 'clear') {
      only(['key', 'agent', 'resource']);
      const removed = await admin.clearCutoverRule(target(context));
      context.io.stdout(context.json ? renderJson(removed) : `cleared the ${removed.scope} rule of ${removed.target}\n`);
      return EXIT_OK;
    }
    only(['key', 'agent', 'resource', 'warn-from', 'block-from', 'link']);
    const link = context.flags.string('link');
    const body: SetCutoverRuleRequest = { ...target(context), warn_from: date(context, 'warn-from'), block_from: date(context, 'block-from'), ...(link === undefined ? {} : { link }) };
    const rule = await admin.setCutoverRule(body);
    context.io.stdout(context.json ? renderJson(rule) : renderFields(ruleFields(rule)));
    return EXIT_OK;
  },
};
