import type { AppliedPolicyChange, PolicySetSummary, PolicySummary } from '../admin-types.js';
import { EXIT_OK } from '../cli-errors.js';
import type { Command, CommandContext, CommandGroup } from '../command.js';
import { renderFields, renderJson, renderTable, sanitize, type Column } from '../output.js';
import { PROPOSAL_OPTIONS, proposalOf, withPolicyFile } from '../policy-files.js';
import { policyDiffCommand, policyTestCommand } from './policy-checks.js';

const POLICY_COLUMNS: Column<PolicySummary>[] = [
  { header: 'ID', value: (p) => p.id },
  { header: 'EFFECT', value: (p) => p.effect },
  { header: 'CHANGED IN', value: (p) => `v${p.changed_in}` },
  { header: 'DESCRIPTION', value: (p) => p.description },
];

const HISTORY_COLUMNS: Column<PolicySetSummary>[] = [
  { header: 'VERSION', value: (v) => v.version },
  { header: 'APPLIED', value: (v) => v.created_at },
  { header: 'BY', value: (v) => v.created_by },
  { header: 'POLICIES', value: (v) => v.policy_count },
  { header: 'COMMENT', value: (v) => v.comment },
];

function printApplied(context: CommandContext, applied: AppliedPolicyChange): number {
  if (context.json) {
    context.io.stdout(renderJson(applied));
    return EXIT_OK;
  }
  const lines = [`policy set version ${applied.version}`];
  for (const [sign, ids] of [['+', applied.added], ['~', applied.changed], ['-', applied.deleted]] as const) for (const id of ids) lines.push(`  ${sign} ${sanitize(id)}`);
  if (applied.entities_changed) lines.push('  ~ entities');
  context.io.stdout(`${lines.join('\n')}\n`);
  return EXIT_OK;
}

const commands: Command[] = [
  {
    name: 'policies list',
    summary: 'list the policies in force: id, effect, the version each last changed in, description',
    args: [],
    synopsis: '',
    options: {},
    async run(context) {
      const list = await context.admin().listPolicies();
      if (context.json) context.io.stdout(renderJson(list));
      else context.io.stdout(`policy set version ${list.version}\n${renderTable(POLICY_COLUMNS, list.items)}`);
      return EXIT_OK;
    },
  },
  {
    name: 'policies show',
    summary: 'show one policy in force, with its Cedar text',
    args: ['ID'],
    synopsis: 'ID',
    options: {},
    async run(context) {
      const policy = await context.admin().getPolicy(context.args[0] as string);
      if (context.json) {
        context.io.stdout(renderJson(policy));
        return EXIT_OK;
      }
      const header = renderFields([
        ['id', policy.id],
        ['effect', policy.effect],
        ['description', policy.description],
        ['changed in', `v${policy.changed_in} (set is at v${policy.version})`],
      ]);
      // The text is Cedar, shown as written: line breaks kept, other control characters escaped.
      const text = policy.text.split('\n').map(sanitize).join('\n');
      context.io.stdout(`${header}\n${text}\n`);
      return EXIT_OK;
    },
  },
  {
    name: 'policies history',
    summary: 'list the applied versions of the policy set, newest first',
    args: [],
    synopsis: '[--limit N]',
    options: { limit: { type: 'string', placeholder: 'N', description: 'at most N versions (1-500, default 50)' } },
    async run(context) {
      const history = await context.admin().policyHistory(context.flags.int('limit', 1, 500));
      context.io.stdout(context.json ? renderJson(history) : renderTable(HISTORY_COLUMNS, history.items));
      return EXIT_OK;
    },
  },
  {
    name: 'policies validate',
    summary: "validate a Cedar policy file against the schema and the set it would make; problems as FILE:LINE:COLUMN",
    args: ['FILE'],
    synopsis: 'FILE [--replace] [--entities FILE]',
    options: { ...PROPOSAL_OPTIONS },
    async run(context) {
      const file = context.args[0] as string;
      const proposal = await proposalOf(context, file);
      const answer = await withPolicyFile(file, () => context.admin().validatePolicies(proposal));
      context.io.stdout(context.json ? renderJson(answer) : `${sanitize(file)}: ok (${answer.policies.map(sanitize).join(', ')})\n`);
      return EXIT_OK;
    },
  },
  {
    name: 'policies apply',
    summary: 'apply a Cedar policy file as the next version of the set (atomic, audited)',
    args: ['FILE'],
    synopsis: 'FILE [--replace] [--entities FILE] [--comment TEXT] [--expect-version N]',
    options: {
      ...PROPOSAL_OPTIONS,
      comment: { type: 'string', placeholder: 'TEXT', description: 'why, for the history and the audit record (at most 500 characters)' },
      'expect-version': { type: 'string', placeholder: 'N', description: 'refuse (conflict) unless the set is still at version N' },
    },
    async run(context) {
      const file = context.args[0] as string;
      const proposal = await proposalOf(context, file);
      const comment = context.flags.string('comment');
      const expected = context.flags.int('expect-version', 0, Number.MAX_SAFE_INTEGER);
      const applied = await withPolicyFile(file, () =>
        context.admin().applyPolicies({ ...proposal, ...(comment === undefined ? {} : { comment }), ...(expected === undefined ? {} : { expected_version: expected }) }),
      );
      return printApplied(context, applied);
    },
  },
  {
    name: 'policies delete',
    summary: 'delete one policy, as the next version of the set (audited)',
    args: ['ID'],
    synopsis: 'ID [--expect-version N]',
    options: { 'expect-version': { type: 'string', placeholder: 'N', description: 'refuse (conflict) unless the set is still at version N' } },
    async run(context) {
      return printApplied(context, await context.admin().deletePolicy(context.args[0] as string, context.flags.int('expect-version', 0, Number.MAX_SAFE_INTEGER)));
    },
  },
  policyTestCommand,
  policyDiffCommand,
];

/** `agentauth policies ...`: the Cedar policy set (docs/admin-api.md, "Policies"). */
export const policiesGroup: CommandGroup = {
  name: 'policies',
  summary: 'manage, test and dry-run the Cedar policy set',
  commands,
};
