import { CIBA_DELIVERY_MODES, CLIENT_AUTH_METHODS, GRANT_TYPES, SIGNING_ALGS, type CibaDeliveryMode, type ClientAuthMethod, type GrantType } from '@agentauth/protocol';

import type { Agent, AgentFields, CreateAgentRequest, UpdateAgentRequest } from '../admin-types.js';
import type { OptionSpec } from '../args.js';
import { CommandFailedError, UsageError, EXIT_OK } from '../cli-errors.js';
import type { Command, CommandContext, CommandGroup } from '../command.js';
import { generateAgentKey, readPublicKeys, removeKeyFile, writePrivateKeyFile } from '../key-files.js';
import { renderJson, renderTable } from '../output.js';
import { AGENT_COLUMNS, checkId, printWithSecret, renderAgent } from './agent-view.js';
import { credentialCommands, KEY_OPTIONS } from './agent-credentials.js';
import { agentTokensCommand } from './agent-tokens.js';
import { agentReportCommand } from './agent-report.js';
import { enrollTokenCommand } from './enroll-token.js';

/** Access token lifetimes an operator may set per agent: 1 s to 1 day. */
const MAX_TTL_SECONDS = 86_400;

const FIELD_OPTIONS: Record<string, OptionSpec> = {
  name: { type: 'string', placeholder: 'NAME', description: 'agent name' },
  owner: { type: 'string', placeholder: 'OWNER', description: 'owning team or person' },
  description: { type: 'string', placeholder: 'TEXT', description: 'free text' },
  scope: { type: 'string', multiple: true, placeholder: 'SCOPE', description: 'allowed scope (repeatable)' },
  resource: { type: 'string', multiple: true, placeholder: 'URI', description: 'allowed resource / audience (repeatable)' },
  label: { type: 'string', multiple: true, placeholder: 'KEY=VALUE', description: 'label (repeatable)' },
  'grant-type': { type: 'string', multiple: true, placeholder: 'GRANT', description: 'grant type (repeatable; default client_credentials)' },
  ttl: { type: 'string', placeholder: 'SECONDS', description: 'access token lifetime for this agent' },
  'auth-method': { type: 'string', placeholder: 'METHOD', description: `token endpoint auth method: ${CLIENT_AUTH_METHODS.join('|')}` },
  'dpop-bound': { type: 'boolean', description: 'every token needs a DPoP proof (RFC 9449 dpop_bound_access_tokens)' },
  'no-dpop-bound': { type: 'boolean', description: 'DPoP proofs optional again' },
  'cert-bound': { type: 'boolean', description: 'every token is bound to the client certificate (RFC 8705 tls_client_certificate_bound_access_tokens)' },
  'no-cert-bound': { type: 'boolean', description: 'tokens not bound to the certificate again' },
  'tls-san-uri': { type: 'string', placeholder: 'URI', description: 'tls_client_auth: the URI SAN the certificate must carry (default spiffe://<trust domain>/agent/<id>)' },
  'tls-san-dns': { type: 'string', placeholder: 'NAME', description: 'tls_client_auth: the DNS SAN the certificate must carry instead' },
  'tls-subject-dn': { type: 'string', placeholder: 'DN', description: 'tls_client_auth: the subject DN (RFC 4514) the certificate must carry instead' },
  'ciba-mode': { type: 'string', placeholder: 'MODE', description: `how approvals reach the agent (CIBA backchannel_token_delivery_mode): ${CIBA_DELIVERY_MODES.join('|')}` },
  'ciba-notify': { type: 'string', placeholder: 'URL', description: 'where ping callbacks go (CIBA backchannel_client_notification_endpoint; https, or http on loopback)' },
  'redirect-uri': { type: 'string', multiple: true, placeholder: 'URI', description: 'authorization code flow redirect URI (repeatable; https, or http on 127.0.0.1 or [::1])' },
};

/** The RFC 8705 §2.1.2 subject flags, each with its field; at most one is given. */
const TLS_SUBJECT_FLAGS = [
  ['tls-san-uri', 'tls_client_auth_san_uri'],
  ['tls-san-dns', 'tls_client_auth_san_dns'],
  ['tls-subject-dn', 'tls_client_auth_subject_dn'],
] as const;

const create: Command = {
  name: 'agents create',
  summary: 'register an agent',
  args: [],
  synopsis: '--name N --owner O [--scope S]... [--resource R]... [--label k=v]... [--ttl SECONDS] [--auth-method M] [--dpop-bound] [--cert-bound] [--tls-san-uri U | --tls-san-dns D | --tls-subject-dn DN] [--ciba-mode poll|ping] [--ciba-notify URL] [--redirect-uri URI]... [--jwk-file F | --generate-key --key-out F [--alg A]]',
  options: {
    ...FIELD_OPTIONS,
    'jwks-uri': { type: 'string', placeholder: 'URL', description: 'where the agent publishes its keys, instead of registering them' },
    ...KEY_OPTIONS,
  },
  async run(context) {
    const { flags } = context;
    const admin = context.admin(); // a missing token fails before a key file is written
    const body: CreateAgentRequest = { name: flags.required('name'), owner: flags.required('owner'), ...fields(context) };
    const subject = tlsSubject(context, this.name);
    if (subject !== undefined) body[subject[0]] = subject[1];
    const jwksUri = flags.string('jwks-uri');
    if (jwksUri !== undefined) body.jwks_uri = jwksUri;
    const method = body.token_endpoint_auth_method ?? 'private_key_jwt';
    const keyOut = await keySource(context, method);
    if (keyOut !== undefined) body.jwks = { keys: [keyOut.publicJwk as Record<string, unknown>] };
    else if (flags.has('jwk-file')) body.jwks = { keys: (await readPublicKeys(flags.required('jwk-file'))) as Record<string, unknown>[] };

    let result: Awaited<ReturnType<typeof admin.createAgent>>;
    try {
      result = await admin.createAgent(body);
    } catch (error) {
      // The key was never registered: do not leave an orphan private key behind.
      if (keyOut !== undefined) await removeKeyFile(keyOut.path);
      throw error;
    }
    printWithSecret(context, result, renderAgent(result.agent));
    if (keyOut !== undefined) context.io.stderr(`private key written to ${keyOut.path} (mode 0600); only the public key was sent.\n`);
    return EXIT_OK;
  },
};

const list: Command = {
  name: 'agents list',
  summary: 'list agents',
  args: [],
  synopsis: '[--status S] [--owner O] [--name TEXT] [--label k=v]... [--limit N] [--cursor C] [--all]',
  options: {
    status: { type: 'string', placeholder: 'STATUS', description: 'active|suspended|disabled' },
    owner: { type: 'string', placeholder: 'OWNER', description: 'exact owner' },
    name: { type: 'string', placeholder: 'TEXT', description: 'substring of the name' },
    label: { type: 'string', multiple: true, placeholder: 'KEY=VALUE', description: 'label that must match (repeatable)' },
    limit: { type: 'string', placeholder: 'N', description: 'page size, 1-500 (default 50)' },
    cursor: { type: 'string', placeholder: 'CURSOR', description: 'continue from a previous page' },
    all: { type: 'boolean', description: 'follow next_cursor to the end' },
  },
  async run(context) {
    const { flags } = context;
    flags.labels('label'); // validates k=v
    const query = {
      status: flags.choice('status', ['active', 'suspended', 'disabled']),
      owner: flags.string('owner'),
      name: flags.string('name'),
      labels: flags.strings('label'),
      limit: flags.int('limit', 1, 500),
      cursor: flags.string('cursor'),
    };
    const admin = context.admin();
    let page = await admin.listAgents(query);
    const items: Agent[] = [...page.items];
    while (flags.bool('all') && page.next_cursor !== undefined) {
      page = await admin.listAgents({ ...query, cursor: page.next_cursor });
      items.push(...page.items);
    }
    const next = page.next_cursor;
    if (context.json) {
      context.io.stdout(renderJson(next === undefined ? { items } : { items, next_cursor: next }));
    } else {
      context.io.stdout(renderTable(AGENT_COLUMNS, items));
      if (next !== undefined) context.io.stderr(`more agents: pass --all, or --cursor ${next}\n`);
    }
    return EXIT_OK;
  },
};

const show: Command = {
  name: 'agents show',
  summary: 'show one agent and its credentials',
  args: ['ID'],
  synopsis: 'ID',
  options: {},
  async run(context) {
    const agent = await context.admin().getAgent(checkId(context.args[0] ?? '', this.name));
    context.io.stdout(context.json ? renderJson(agent) : renderAgent(agent));
    return EXIT_OK;
  },
};

const update: Command = {
  name: 'agents update',
  summary: 'change an agent (lists given replace the stored ones)',
  args: ['ID'],
  synopsis: 'ID [--name N] [--owner O] [--description D] [--scope S]... [--resource R]... [--label k=v]... [--ttl SECONDS|default] [--auth-method M] [--[no-]dpop-bound] [--[no-]cert-bound] [--tls-san-uri U | --tls-san-dns D | --tls-subject-dn DN] [--ciba-mode poll|ping] [--ciba-notify URL] [--redirect-uri URI]... [--jwks-uri URL|none] [--clear-scopes] [--clear-resources] [--clear-labels] [--clear-redirect-uris]',
  options: {
    ...FIELD_OPTIONS,
    'jwks-uri': { type: 'string', placeholder: 'URL', description: 'key set URL, or "none" to remove it' },
    'clear-scopes': { type: 'boolean', description: 'remove every scope' },
    'clear-resources': { type: 'boolean', description: 'remove every resource' },
    'clear-labels': { type: 'boolean', description: 'remove every label' },
    'clear-redirect-uris': { type: 'boolean', description: 'remove every redirect URI (no more authorization code flow)' },
  },
  async run(context) {
    const { flags } = context;
    const id = checkId(context.args[0] ?? '', this.name);
    const patch: UpdateAgentRequest = fields(context, true);
    for (const name of ['name', 'owner'] as const) {
      const value = flags.string(name);
      if (value !== undefined) patch[name] = value;
    }
    for (const [flag, member, other] of [
      ['clear-scopes', 'scopes', 'scope'],
      ['clear-resources', 'resources', 'resource'],
      ['clear-redirect-uris', 'redirect_uris', 'redirect-uri'],
    ] as const) {
      if (!flags.bool(flag)) continue;
      if (flags.has(other)) throw new UsageError(`--${flag} and --${other} cannot be combined`, this.name);
      patch[member] = [];
    }
    if (flags.bool('clear-labels')) {
      if (flags.has('label')) throw new UsageError('--clear-labels and --label cannot be combined', this.name);
      patch.labels = {};
    }
    const subject = tlsSubject(context, this.name);
    // The certificate names one subject (RFC 8705 §2.1.2): the one given replaces the others.
    if (subject !== undefined) for (const [, field] of TLS_SUBJECT_FLAGS) patch[field] = field === subject[0] ? subject[1] : null;
    const jwksUri = flags.string('jwks-uri');
    if (jwksUri !== undefined) patch.jwks_uri = jwksUri === 'none' ? null : jwksUri;
    if (Object.keys(patch).length === 0) throw new UsageError('nothing to update: give at least one field', this.name);
    const agent = await context.admin().updateAgent(id, patch);
    context.io.stdout(context.json ? renderJson(agent) : renderAgent(agent));
    return EXIT_OK;
  },
};

function statusCommand(action: 'suspend' | 'resume' | 'disable', summary: string): Command {
  return {
    name: `agents ${action}`,
    summary,
    args: ['ID'],
    synopsis: 'ID',
    options: {},
    async run(context) {
      const agent = await context.admin().setAgentStatus(checkId(context.args[0] ?? '', this.name), action);
      context.io.stdout(context.json ? renderJson(agent) : `agent ${agent.id} is now ${agent.status}\n`);
      return EXIT_OK;
    },
  };
}

const remove: Command = {
  name: 'agents delete',
  summary: 'delete an agent and its credentials',
  args: ['ID'],
  synopsis: 'ID [--yes]',
  options: { yes: { type: 'boolean', short: 'y', description: 'do not ask for confirmation' } },
  async run(context) {
    const id = checkId(context.args[0] ?? '', this.name);
    if (!context.flags.bool('yes')) {
      if (context.io.confirm === undefined) throw new UsageError('refusing to delete without --yes (no terminal to ask on)', this.name);
      if (!(await context.io.confirm(`Delete agent ${id} and all its credentials? [y/N] `))) {
        throw new CommandFailedError('cancelled', `agent ${id} not deleted: the answer was not yes`);
      }
    }
    await context.admin().deleteAgent(id);
    context.io.stdout(context.json ? renderJson({ deleted: id }) : `deleted agent ${id}\n`);
    return EXIT_OK;
  },
};

/** The shared fields of create and update, from flags. `forUpdate` allows `--ttl default`. */
function fields(context: CommandContext, forUpdate = false): AgentFields {
  const { flags } = context;
  const body: AgentFields = {};
  const description = flags.text('description');
  if (description !== undefined) body.description = description;
  if (flags.has('scope')) body.scopes = flags.strings('scope');
  if (flags.has('resource')) body.resources = flags.strings('resource');
  if (flags.has('label')) body.labels = flags.labels('label');
  if (flags.has('grant-type')) {
    const grants = flags.strings('grant-type');
    const isGrantType = (grant: string): grant is GrantType => (GRANT_TYPES as readonly string[]).includes(grant);
    if (!grants.every(isGrantType)) throw new UsageError(`--grant-type must be one of ${GRANT_TYPES.join(', ')}`, context.command);
    body.grant_types = grants;
  }
  if (forUpdate && flags.string('ttl') === 'default') body.access_token_ttl = null;
  else {
    const ttl = flags.int('ttl', 1, MAX_TTL_SECONDS);
    if (ttl !== undefined) body.access_token_ttl = ttl;
  }
  const method = flags.choice<ClientAuthMethod>('auth-method', CLIENT_AUTH_METHODS);
  if (method !== undefined) body.token_endpoint_auth_method = method;
  for (const [flag, member] of [
    ['dpop-bound', 'dpop_bound_access_tokens'],
    ['cert-bound', 'tls_client_certificate_bound_access_tokens'],
  ] as const) {
    const on = flags.bool(flag);
    const off = flags.bool(`no-${flag}`);
    if (on && off) throw new UsageError(`--${flag} and --no-${flag} cannot be combined`, context.command);
    if (on || off) body[member] = on;
  }
  // CIBA Core 1.0 §4 client metadata (docs/approvals.md); the server checks the endpoint's rule.
  const mode = flags.choice<CibaDeliveryMode>('ciba-mode', CIBA_DELIVERY_MODES);
  if (mode !== undefined) body.backchannel_token_delivery_mode = mode;
  const notify = flags.string('ciba-notify');
  if (notify !== undefined) body.backchannel_client_notification_endpoint = notify;
  // RFC 6749 §3.1.2: the agent becomes a confidential client of the authorization code flow; the server checks each URI's rule.
  if (flags.has('redirect-uri')) body.redirect_uris = flags.strings('redirect-uri');
  return body;
}

/** The one `--tls-*` subject flag given, as its field and value; two are a usage error. */
function tlsSubject(context: CommandContext, command: string): [(typeof TLS_SUBJECT_FLAGS)[number][1], string] | undefined {
  const given = TLS_SUBJECT_FLAGS.filter(([flag]) => context.flags.has(flag));
  if (given.length > 1) throw new UsageError('give at most one of --tls-san-uri, --tls-san-dns and --tls-subject-dn: the certificate must carry exactly one subject', command);
  const [choice] = given;
  return choice === undefined ? undefined : [choice[1], context.flags.required(choice[0])];
}

/**
 * With --generate-key: checks the flags, makes the key pair and writes the private half before
 * anything is sent, so a key is never registered whose private half was not saved.
 */
async function keySource(context: CommandContext, method: ClientAuthMethod) {
  const { flags } = context;
  const generate = flags.bool('generate-key');
  if (generate && flags.has('jwk-file')) throw new UsageError('--generate-key and --jwk-file cannot be combined', 'agents create');
  if (generate && method !== 'private_key_jwt') {
    throw new UsageError(`--generate-key makes a key for private_key_jwt, not for --auth-method ${method}`, 'agents create');
  }
  if (flags.has('jwk-file') && method !== 'private_key_jwt' && method !== 'self_signed_tls_client_auth') {
    throw new UsageError(`--jwk-file registers keys for private_key_jwt or self_signed_tls_client_auth, not for --auth-method ${method}`, 'agents create');
  }
  if (!generate) {
    if (flags.has('key-out') || flags.has('alg')) throw new UsageError('--key-out and --alg need --generate-key', 'agents create');
    return undefined;
  }
  const path = flags.required('key-out');
  const alg = flags.choice('alg', SIGNING_ALGS) ?? 'ES256';
  const key = await generateAgentKey(alg);
  await writePrivateKeyFile(path, key.privateJwk);
  return { path, publicJwk: key.publicJwk };
}

/** `agentauth agents ...` */
export const agentsGroup: CommandGroup = {
  name: 'agents',
  summary: 'register and manage agents and their credentials',
  commands: [
    create,
    list,
    show,
    update,
    statusCommand('suspend', 'suspend an agent: every token it holds stops working at once'),
    statusCommand('resume', 'make a suspended agent active again'),
    statusCommand('disable', 'disable an agent for good (it can no longer get tokens)'),
    remove,
    ...credentialCommands,
    enrollTokenCommand,
    agentTokensCommand,
    agentReportCommand,
  ],
};
