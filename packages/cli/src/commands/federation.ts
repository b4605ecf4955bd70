import { EXIT_OK, UsageError } from '../cli-errors.js';
import type { Command, CommandGroup } from '../command.js';
import type { BindingRule, CreateBindingRuleRequest, TrustedIssuerOptions, TrustedIssuer } from '../admin-types.js';
import { readPublicKeys } from '../key-files.js';
import { renderFields, renderJson, renderTable, type Column } from '../output.js';
import { checkId } from './agent-view.js';

const ISSUER_COLUMNS: Column<TrustedIssuer>[] = [
  { header: 'ID', value: (i) => i.id },
  { header: 'ISSUER', value: (i) => i.issuer },
  { header: 'KEYS', value: (i) => i.jwks_uri ?? `static (${i.jwks?.keys.length ?? 0})` },
  { header: 'AUDIENCES', value: (i) => i.audiences.join(',') },
  { header: 'ALGS', value: (i) => i.algorithms.join(',') },
  { header: 'MAX LIFETIME', value: (i) => i.max_token_lifetime },
];

const RULE_COLUMNS: Column<BindingRule>[] = [
  { header: 'ID', value: (r) => r.id },
  { header: 'ISSUER', value: (r) => r.issuer_id },
  { header: 'AGENT', value: (r) => r.agent_id },
  { header: 'CLAIMS', value: (r) => Object.entries(r.claims).map(([pointer, value]) => `${pointer}=${value}`).join(' ') },
];

function renderIssuer(i: TrustedIssuer): string {
  return renderFields([
    ['id', i.id],
    ['issuer', i.issuer],
    ['jwks_uri', i.jwks_uri],
    ['static keys', i.jwks === null ? null : i.jwks.keys.map((k) => k.kid ?? '(no kid)').join(', ')],
    ['audiences', i.audiences.join(', ')],
    ['algorithms', i.algorithms.join(', ')],
    ['max lifetime', `${i.max_token_lifetime} s`],
    ['token reuse', i.allow_token_reuse ? 'allowed' : 'single use (jti)'],
    ['description', i.description],
  ]);
}

/** `--claim /pointer=value`, repeated: the first `=` after the pointer separates (values may hold `=`). */
function parseClaims(items: string[], command: string): Record<string, string> {
  if (items.length === 0) throw new UsageError('at least one --claim is required', command);
  const claims: Record<string, string> = {};
  for (const item of items) {
    const at = item.indexOf('=');
    if (!item.startsWith('/') || at <= 1) throw new UsageError(`--claim must be /json/pointer=value (RFC 6901), got "${item.slice(0, 80)}"`, command);
    const pointer = item.slice(0, at);
    if (Object.hasOwn(claims, pointer)) throw new UsageError(`--claim ${pointer} is given twice`, command);
    claims[pointer] = item.slice(at + 1);
  }
  return claims;
}

const issuersAdd: Command = {
  name: 'issuers add',
  summary: 'trust an external issuer for federated workload login',
  args: ['ISSUER'],
  synopsis: 'ISSUER --audience AUD... (--jwks-uri URL | --jwks-file FILE) [--alg ALG]... [--max-lifetime SECONDS] [--allow-token-reuse] [--description TEXT]',
  options: {
    audience: { type: 'string', multiple: true, placeholder: 'AUD', description: 'accepted aud value (repeatable; e.g. this server\'s issuer URL)' },
    'jwks-uri': { type: 'string', placeholder: 'URL', description: "where the issuer publishes its JWK Set (fetched through the SSRF guard)" },
    'jwks-file': { type: 'string', placeholder: 'FILE', description: 'a static JWK Set (public keys) instead of jwks-uri' },
    alg: { type: 'string', multiple: true, placeholder: 'ALG', description: 'accepted JWS algorithm (repeatable; default RS256 and ES256)' },
    'max-lifetime': { type: 'string', placeholder: 'SECONDS', description: 'longest accepted token lifetime (default 3600)' },
    'allow-token-reuse': { type: 'boolean', description: 'accept a token more than once until it expires (Kubernetes projected tokens)' },
    description: { type: 'string', placeholder: 'TEXT', description: 'free text' },
  },
  async run(context) {
    const { flags } = context;
    const jwksUri = flags.string('jwks-uri');
    const jwksFile = flags.string('jwks-file');
    if ((jwksUri === undefined) === (jwksFile === undefined)) throw new UsageError('give exactly one of --jwks-uri and --jwks-file', this.name);
    const audiences = flags.strings('audience');
    if (audiences.length === 0) throw new UsageError('at least one --audience is required', this.name);
    const body: TrustedIssuerOptions = { issuer: context.args[0] ?? '', audiences };
    if (jwksUri !== undefined) body.jwks_uri = jwksUri;
    if (jwksFile !== undefined) body.jwks = { keys: await readPublicKeys(jwksFile) };
    const algs = flags.strings('alg');
    if (algs.length > 0) body.algorithms = algs;
    const lifetime = flags.int('max-lifetime', 60, 86_400);
    if (lifetime !== undefined) body.max_token_lifetime = lifetime;
    if (flags.bool('allow-token-reuse')) body.allow_token_reuse = true;
    const description = flags.text('description');
    if (description !== undefined) body.description = description;
    const created = await context.admin().createTrustedIssuer(body);
    context.io.stdout(context.json ? renderJson(created) : renderIssuer(created));
    return EXIT_OK;
  },
};

const issuersList: Command = {
  name: 'issuers list',
  summary: 'list trusted issuers',
  args: [],
  synopsis: '',
  options: {},
  async run(context) {
    const { items } = await context.admin().listTrustedIssuers();
    context.io.stdout(context.json ? renderJson({ items }) : renderTable(ISSUER_COLUMNS, items));
    return EXIT_OK;
  },
};

const issuersRemove: Command = {
  name: 'issuers remove',
  summary: 'stop trusting an issuer (its binding rules must be removed first)',
  args: ['ID'],
  synopsis: 'ID',
  options: {},
  async run(context) {
    const id = checkId(context.args[0] ?? '', this.name);
    await context.admin().deleteTrustedIssuer(id);
    context.io.stdout(context.json ? renderJson({ deleted: id }) : `removed trusted issuer ${id}\n`);
    return EXIT_OK;
  },
};

const bindingsAdd: Command = {
  name: 'bindings add',
  summary: 'bind JWTs of a trusted issuer whose claims match to an agent',
  args: [],
  synopsis: '--issuer ID --agent ID --claim /POINTER=VALUE... [--description TEXT]',
  options: {
    issuer: { type: 'string', placeholder: 'ID', description: 'trusted issuer id (tis_...)' },
    agent: { type: 'string', placeholder: 'ID', description: 'agent id (agt_...)' },
    claim: { type: 'string', multiple: true, placeholder: '/POINTER=VALUE', description: 'exact claim match, RFC 6901 pointer (repeatable; all must match)' },
    description: { type: 'string', placeholder: 'TEXT', description: 'free text' },
  },
  async run(context) {
    const { flags } = context;
    const body: CreateBindingRuleRequest = {
      issuer_id: checkId(flags.required('issuer'), this.name, '--issuer'),
      agent_id: checkId(flags.required('agent'), this.name, '--agent'),
      claims: parseClaims(flags.strings('claim'), this.name),
    };
    const description = flags.text('description');
    if (description !== undefined) body.description = description;
    const created = await context.admin().createBindingRule(body);
    context.io.stdout(context.json ? renderJson(created) : renderTable(RULE_COLUMNS, [created]));
    return EXIT_OK;
  },
};

const bindingsList: Command = {
  name: 'bindings list',
  summary: 'list binding rules',
  args: [],
  synopsis: '[--issuer ID] [--agent ID]',
  options: {
    issuer: { type: 'string', placeholder: 'ID', description: 'only the rules of this trusted issuer' },
    agent: { type: 'string', placeholder: 'ID', description: 'only the rules of this agent' },
  },
  async run(context) {
    const issuer = context.flags.string('issuer');
    const agent = context.flags.string('agent');
    const { items } = await context.admin().listBindingRules({ ...(issuer === undefined ? {} : { issuer_id: issuer }), ...(agent === undefined ? {} : { agent_id: agent }) });
    context.io.stdout(context.json ? renderJson({ items }) : renderTable(RULE_COLUMNS, items));
    return EXIT_OK;
  },
};

const bindingsRemove: Command = {
  name: 'bindings remove',
  summary: 'remove a binding rule',
  args: ['ID'],
  synopsis: 'ID',
  options: {},
  async run(context) {
    const id = checkId(context.args[0] ?? '', this.name);
    await context.admin().deleteBindingRule(id);
    context.io.stdout(context.json ? renderJson({ deleted: id }) : `removed binding rule ${id}\n`);
    return EXIT_OK;
  },
};

/** `agentauth issuers ...`: external issuers trusted for federated workload login (docs/federation.md). */
export const issuersGroup: CommandGroup = {
  name: 'issuers',
  summary: 'manage trusted external issuers (Kubernetes, GitHub Actions, OIDC) for federated login',
  commands: [issuersAdd, issuersList, issuersRemove],
};

/** `agentauth bindings ...`: rules mapping a trusted issuer's JWT claims to one agent. */
export const bindingsGroup: CommandGroup = {
  name: 'bindings',
  summary: 'manage binding rules mapping federated JWT claims to agents',
  commands: [bindingsAdd, bindingsList, bindingsRemove],
};
