import { CommandFailedError, EXIT_OK, UsageError } from '../cli-errors.js';
import type { Command, CommandContext, CommandGroup } from '../command.js';
import type { CreateUserRequest, Delegation, UpdateUserRequest, User } from '../admin-types.js';
import { renderFields, renderJson, renderTable, type Column } from '../output.js';
import { checkId } from './agent-view.js';

const ROLES = ['admin', 'operator', 'auditor'];

const COLUMNS: Column<User>[] = [
  { header: 'ID', value: (u) => u.id },
  { header: 'EMAIL', value: (u) => u.email },
  { header: 'NAME', value: (u) => u.name },
  { header: 'ROLES', value: (u) => u.roles.join(',') },
  { header: 'STATUS', value: (u) => u.status },
  { header: 'TOTP', value: (u) => (u.totp_enrolled ? 'on' : 'off') },
];

function renderUser(u: User): string {
  return renderFields([
    ['id', u.id],
    ['email', u.email],
    ['name', u.name],
    ['groups', u.groups.join(', ')],
    ['roles', u.roles.join(', ')],
    ['status', u.status],
    ['local password', u.password_set ? 'set' : 'none'],
    ['totp', u.totp_enrolled ? 'enrolled' : 'not enrolled'],
    ['locked until', u.locked_until],
    ['created', u.created_at],
    ['last sign-in', u.last_login_at],
  ]);
}

function show(context: CommandContext, user: User): number {
  context.io.stdout(context.json ? renderJson(user) : renderUser(user));
  return EXIT_OK;
}

function roles(context: CommandContext, command: string): string[] {
  const given = context.flags.strings('role');
  for (const role of given) if (!ROLES.includes(role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}, got "${role.slice(0, 40)}"`, command);
  return given;
}

/** The password from standard input (`--password-stdin`): one line, its newline dropped. */
async function passwordFromStdin(context: CommandContext, command: string): Promise<string> {
  if (context.io.readStdin === undefined) throw new UsageError('--password-stdin needs standard input', command);
  const text = await context.io.readStdin(4096);
  const password = text.replace(/\r?\n$/, '');
  if (password === '' || password.includes('\n')) throw new UsageError('standard input must hold the password on one line', command);
  return password;
}

const PASSWORD_OPTION = { type: 'boolean', description: 'read a local password from standard input (never from an argument: `ps` would show it)' } as const;

const create: Command = {
  name: 'users create',
  summary: 'add a person (the first admin is made with the bootstrap token)',
  args: [],
  synopsis: '--email EMAIL --name NAME [--role ROLE]... [--group GROUP]... [--password-stdin]',
  options: {
    email: { type: 'string', placeholder: 'EMAIL', description: 'their email, unique (also their sign-in name)' },
    name: { type: 'string', placeholder: 'NAME', description: 'display name' },
    role: { type: 'string', multiple: true, placeholder: 'ROLE', description: 'admin, operator or auditor' },
    group: { type: 'string', multiple: true, placeholder: 'GROUP', description: 'a group they belong to' },
    'password-stdin': PASSWORD_OPTION,
  },
  async run(context) {
    const body: CreateUserRequest = { email: context.flags.required('email'), name: context.flags.required('name'), roles: roles(context, this.name) as CreateUserRequest['roles'] };
    const groups = context.flags.strings('group');
    if (groups.length > 0) body.groups = groups;
    if (context.flags.bool('password-stdin')) body.password = await passwordFromStdin(context, this.name);
    return show(context, await context.admin().createUser(body));
  },
};

const list: Command = {
  name: 'users list',
  summary: 'list people',
  args: [],
  synopsis: '[--limit N] [--cursor C]',
  options: {
    limit: { type: 'string', placeholder: 'N', description: 'at most N (1-500, default 50)' },
    cursor: { type: 'string', placeholder: 'C', description: 'the next page, from a previous answer' },
  },
  async run(context) {
    const limit = context.flags.int('limit', 1, 500);
    const cursor = context.flags.string('cursor');
    const page = await context.admin().listUsers({ ...(limit === undefined ? {} : { limit }), ...(cursor === undefined ? {} : { cursor }) });
    const more = page.next_cursor === undefined ? '' : `next page: --cursor ${page.next_cursor}\n`;
    context.io.stdout(context.json ? renderJson(page) : renderTable(COLUMNS, page.items) + more);
    return EXIT_OK;
  },
};

const view: Command = {
  name: 'users show',
  summary: 'show one person',
  args: ['ID'],
  synopsis: 'ID',
  options: {},
  async run(context) {
    return show(context, await context.admin().getUser(checkId(context.args[0] ?? '', this.name)));
  },
};

const update: Command = {
  name: 'users update',
  summary: "change a person's email, name, roles or groups (a change of roles ends their sessions)",
  args: ['ID'],
  synopsis: 'ID [--email EMAIL] [--name NAME] [--role ROLE]... [--no-roles] [--group GROUP]... [--no-groups]',
  options: {
    email: { type: 'string', placeholder: 'EMAIL', description: 'new email' },
    name: { type: 'string', placeholder: 'NAME', description: 'new display name' },
    role: { type: 'string', multiple: true, placeholder: 'ROLE', description: 'the roles they hold from now (replaces them)' },
    'no-roles': { type: 'boolean', description: 'take every role away' },
    group: { type: 'string', multiple: true, placeholder: 'GROUP', description: 'the groups they belong to from now (replaces them)' },
    'no-groups': { type: 'boolean', description: 'remove them from every group' },
  },
  async run(context) {
    const id = checkId(context.args[0] ?? '', this.name);
    const patch: UpdateUserRequest = {};
    const email = context.flags.string('email');
    const name = context.flags.text('name');
    if (email !== undefined) patch.email = email;
    if (name !== undefined) patch.name = name;
    const newRoles = roles(context, this.name);
    if (newRoles.length > 0 || context.flags.bool('no-roles')) patch.roles = newRoles as UpdateUserRequest['roles'];
    const groups = context.flags.strings('group');
    if (groups.length > 0 || context.flags.bool('no-groups')) patch.groups = groups;
    if (Object.keys(patch).length === 0) throw new UsageError('nothing to change', this.name);
    return show(context, await context.admin().updateUser(id, patch));
  },
};

function statusCommand(action: 'suspend' | 'resume' | 'disable', summary: string): Command {
  return {
    name: `users ${action}`,
    summary,
    args: ['ID'],
    synopsis: 'ID',
    options: {},
    async run(context) {
      return show(context, await context.admin().setUserStatus(checkId(context.args[0] ?? '', this.name), action));
    },
  };
}

const remove: Command = {
  name: 'users delete',
  summary: 'remove a person and end their sessions',
  args: ['ID'],
  synopsis: 'ID [--yes]',
  options: { yes: { type: 'boolean', short: 'y', description: 'do not ask for confirmation' } },
  async run(context) {
    const id = checkId(context.args[0] ?? '', this.name);
    if (!context.flags.bool('yes')) {
      if (context.io.confirm === undefined) throw new UsageError('refusing to delete without --yes (no terminal to ask on)', this.name);
      if (!(await context.io.confirm(`Delete person ${id}? [y/N] `))) throw new CommandFailedError('cancelled', `person ${id} not deleted: the answer was not yes`);
    }
    await context.admin().deleteUser(id);
    context.io.stdout(context.json ? renderJson({ deleted: id }) : `deleted person ${id}\n`);
    return EXIT_OK;
  },
};

const setPassword: Command = {
  name: 'users set-password',
  summary: 'set a local password from standard input (ends their sessions, clears a lockout)',
  args: ['ID'],
  synopsis: 'ID --password-stdin',
  options: { 'password-stdin': PASSWORD_OPTION },
  async run(context) {
    const id = checkId(context.args[0] ?? '', this.name);
    if (!context.flags.bool('password-stdin')) throw new UsageError('give the password on standard input with --password-stdin', this.name);
    return show(context, await context.admin().setUserPassword(id, await passwordFromStdin(context, this.name)));
  },
};

const resetTotp: Command = {
  name: 'users reset-totp',
  summary: "remove a person's TOTP second factor (a lost device); they enrol again after signing in",
  args: ['ID'],
  synopsis: 'ID',
  options: {},
  async run(context) {
    return show(context, await context.admin().resetUserTotp(checkId(context.args[0] ?? '', this.name)));
  },
};

const DELEGATION_COLUMNS: Column<Delegation>[] = [
  { header: 'AGENT', value: (d) => d.agent_id },
  { header: 'CLIENT', value: (d) => d.client_id },
  { header: 'SCOPE', value: (d) => d.scope },
  { header: 'LAST USED', value: (d) => d.last_used_at },
  { header: 'REVOKED', value: (d) => d.revoked_at ?? '' },
];

const agents: Command = {
  name: 'users agents',
  summary: 'list the agents acting for a person (token exchanges of their tokens), revoked ones included',
  args: ['ID'],
  synopsis: 'ID',
  options: {},
  async run(context) {
    const list = await context.admin().listUserDelegations(checkId(context.args[0] ?? '', this.name));
    context.io.stdout(context.json ? renderJson(list) : renderTable(DELEGATION_COLUMNS, list.items));
    return EXIT_OK;
  },
};

const revokeAgent: Command = {
  name: 'users revoke-agent',
  summary: 'revoke an agent acting for a person: its tokens for them are revoked, its exchanges refused until they authorize again',
  args: ['ID', 'AGENT_ID'],
  synopsis: 'ID AGENT_ID',
  options: {},
  async run(context) {
    const id = checkId(context.args[0] ?? '', this.name);
    const agentId = checkId(context.args[1] ?? '', this.name, 'AGENT_ID');
    await context.admin().revokeUserDelegation(id, agentId);
    context.io.stdout(context.json ? renderJson({ revoked: agentId, user_id: id }) : `agent ${agentId} no longer acts for ${id}\n`);
    return EXIT_OK;
  },
};

/** `agentauth users ...`: people, their roles on the admin API and their local accounts (docs/people.md). */
export const usersGroup: CommandGroup = {
  name: 'users',
  summary: 'manage people: roles on the admin API, local passwords, TOTP',
  commands: [create, list, view, update, statusCommand('suspend', 'suspend a person: no sign-in, their sessions end'), statusCommand('resume', 'resume a suspended, disabled or locked-out person'), statusCommand('disable', 'disable a person who left: no sign-in, their sessions end'), remove, setPassword, resetTotp, agents, revokeAgent],
};
