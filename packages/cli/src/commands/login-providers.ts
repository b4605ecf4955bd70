import { CommandFailedError, EXIT_OK, UsageError } from '../cli-errors.js';
import type { Command, CommandContext, CommandGroup } from '../command.js';
import type { CreateLoginProviderRequest, LoginProvider, UpdateLoginProviderRequest } from '../admin-types.js';
import { renderFields, renderJson, renderTable, type Column } from '../output.js';

const ROLES = ['admin', 'operator', 'auditor'];

const COLUMNS: Column<LoginProvider>[] = [
  { header: 'ID', value: (p) => p.id },
  { header: 'NAME', value: (p) => p.display_name },
  { header: 'ISSUER', value: (p) => p.issuer },
  { header: 'JIT', value: (p) => (p.just_in_time ? 'on' : 'off') },
];

function render(p: LoginProvider): string {
  return renderFields([
    ['id', p.id],
    ['name', p.display_name],
    ['issuer', p.issuer],
    ['client id', p.client_id],
    ['client secret', p.client_secret_set ? 'set' : 'none'],
    ['redirect uri', p.redirect_uri],
    ['scopes', p.scopes.join(' ')],
    ['claims', `email=${p.claims.email} name=${p.claims.name} groups=${p.claims.groups ?? '(not read)'}`],
    ['group roles', Object.entries(p.group_roles).map(([g, r]) => `${g}=${r.join('+')}`).join(', ')],
    ['allowed domains', p.allowed_domains.join(', ') || 'any'],
    ['just in time', p.just_in_time ? 'on' : 'off'],
    ['created', p.created_at],
    ['updated', p.updated_at],
  ]);
}

function show(context: CommandContext, provider: LoginProvider): number {
  context.io.stdout(context.json ? renderJson(provider) : render(provider));
  return EXIT_OK;
}

/** The client secret from standard input: one line, its newline dropped (never an argument: `ps` would show it). */
async function secretFromStdin(context: CommandContext, command: string): Promise<string> {
  if (context.io.readStdin === undefined) throw new UsageError('--client-secret-stdin needs standard input', command);
  const secret = (await context.io.readStdin(4096)).replace(/\r?\n$/, '');
  if (secret === '' || secret.includes('\n')) throw new UsageError('standard input must hold the client secret on one line', command);
  return secret;
}

/** `--group-role GROUP=ROLE` repeated, as a mapping of each group to its roles. */
function groupRoles(context: CommandContext, command: string): Record<string, ('admin' | 'operator' | 'auditor')[]> | undefined {
  const given = context.flags.strings('group-role');
  if (given.length === 0) return undefined;
  const out: Record<string, ('admin' | 'operator' | 'auditor')[]> = {};
  for (const item of given) {
    const at = item.lastIndexOf('=');
    const group = item.slice(0, at);
    const role = item.slice(at + 1);
    if (at <= 0 || !ROLES.includes(role)) throw new UsageError(`--group-role must be GROUP=ROLE with ROLE one of ${ROLES.join(', ')}`, command);
    out[group] = [...(out[group] ?? []), role as 'admin' | 'operator' | 'auditor'];
  }
  return out;
}

const OPTIONS = {
  name: { type: 'string', placeholder: 'NAME', description: 'what the sign-in page calls it' },
  issuer: { type: 'string', placeholder: 'URL', description: "the provider's issuer identifier (discovery at URL/.well-known/openid-configuration)" },
  'client-id': { type: 'string', placeholder: 'ID', description: 'our client id at the provider' },
  'client-secret-stdin': { type: 'boolean', description: 'read the client secret from standard input' },
  scope: { type: 'string', multiple: true, placeholder: 'SCOPE', description: 'a scope to request besides openid (default: email profile)' },
  'email-claim': { type: 'string', placeholder: 'CLAIM', description: 'the claim holding the email (default email)' },
  'name-claim': { type: 'string', placeholder: 'CLAIM', description: 'the claim holding the name (default name)' },
  'groups-claim': { type: 'string', placeholder: 'CLAIM', description: 'the claim holding the groups (default: groups not read)' },
  'group-role': { type: 'string', multiple: true, placeholder: 'GROUP=ROLE', description: 'members of GROUP get ROLE (admin, operator, auditor)' },
  'allowed-domain': { type: 'string', multiple: true, placeholder: 'DOMAIN', description: 'only emails of DOMAIN may sign in (default: any)' },
  'just-in-time': { type: 'string', placeholder: 'on|off', description: 'create unknown people at their first sign-in (default off)' },
} as const;

/** The members both `create` and `update` take, as far as given. */
async function fields(context: CommandContext, command: string): Promise<UpdateLoginProviderRequest> {
  const f = context.flags;
  const body: UpdateLoginProviderRequest = {};
  const name = f.string('name');
  if (name !== undefined) body.display_name = name;
  const issuer = f.string('issuer');
  if (issuer !== undefined) body.issuer = issuer;
  const clientId = f.string('client-id');
  if (clientId !== undefined) body.client_id = clientId;
  if (f.bool('client-secret-stdin')) body.client_secret = await secretFromStdin(context, command);
  const scopes = f.strings('scope');
  if (scopes.length > 0) body.scopes = scopes;
  const claims = { email: f.string('email-claim'), name: f.string('name-claim'), groups: f.string('groups-claim') };
  if (Object.values(claims).some((c) => c !== undefined)) body.claims = Object.fromEntries(Object.entries(claims).filter(([, c]) => c !== undefined));
  const roles = groupRoles(context, command);
  if (roles !== undefined) body.group_roles = roles;
  const domains = f.strings('allowed-domain');
  if (domains.length > 0) body.allowed_domains = domains;
  const jit = f.choice('just-in-time', ['on', 'off'] as const);
  if (jit !== undefined) body.just_in_time = jit === 'on';
  return body;
}

const create: Command = {
  name: 'login-providers create',
  summary: 'add an upstream OpenID Connect provider people sign in through',
  args: ['ID'],
  synopsis: 'ID --name NAME --issuer URL --client-id ID --client-secret-stdin [--groups-claim CLAIM] [--group-role GROUP=ROLE]... [--allowed-domain DOMAIN]... [--just-in-time on|off]',
  options: OPTIONS,
  async run(context) {
    const body = await fields(context, this.name);
    if (body.display_name === undefined || body.issuer === undefined || body.client_id === undefined || body.client_secret === undefined) {
      throw new UsageError('--name, --issuer, --client-id and --client-secret-stdin are required', this.name);
    }
    return show(context, await context.admin().createLoginProvider({ ...body, id: context.args[0] ?? '' } as CreateLoginProviderRequest));
  },
};

const list: Command = {
  name: 'login-providers list',
  summary: 'list the upstream providers',
  args: [],
  synopsis: '',
  options: {},
  async run(context) {
    const page = await context.admin().listLoginProviders();
    context.io.stdout(context.json ? renderJson(page) : renderTable(COLUMNS, page.items));
    return EXIT_OK;
  },
};

const view: Command = {
  name: 'login-providers show',
  summary: 'show one upstream provider (never its client secret)',
  args: ['ID'],
  synopsis: 'ID',
  options: {},
  async run(context) {
    return show(context, await context.admin().getLoginProvider(context.args[0] ?? ''));
  },
};

const update: Command = {
  name: 'login-providers update',
  summary: 'change an upstream provider (a new client secret from standard input replaces the old one)',
  args: ['ID'],
  synopsis: 'ID [--name NAME] [--issuer URL] [--client-id ID] [--client-secret-stdin] [...]',
  options: OPTIONS,
  async run(context) {
    const body = await fields(context, this.name);
    if (Object.keys(body).length === 0) throw new UsageError('nothing to change', this.name);
    return show(context, await context.admin().updateLoginProvider(context.args[0] ?? '', body));
  },
};

const remove: Command = {
  name: 'login-providers delete',
  summary: 'remove an upstream provider (the people it created stay)',
  args: ['ID'],
  synopsis: 'ID [--yes]',
  options: { yes: { type: 'boolean', short: 'y', description: 'do not ask for confirmation' } },
  async run(context) {
    const id = context.args[0] ?? '';
    if (!context.flags.bool('yes')) {
      if (context.io.confirm === undefined) throw new UsageError('refusing to delete without --yes (no terminal to ask on)', this.name);
      if (!(await context.io.confirm(`Delete login provider ${id}? [y/N] `))) throw new CommandFailedError('cancelled', `login provider ${id} not deleted: the answer was not yes`);
    }
    await context.admin().deleteLoginProvider(id);
    context.io.stdout(context.json ? renderJson({ deleted: id }) : `deleted login provider ${id}\n`);
    return EXIT_OK;
  },
};

/** `agentauth login-providers ...`: upstream OpenID Connect sign-in (docs/people.md). */
export const loginProvidersGroup: CommandGroup = {
  name: 'login-providers',
  summary: 'manage upstream OpenID Connect providers people sign in through',
  commands: [create, list, view, update, remove],
};
