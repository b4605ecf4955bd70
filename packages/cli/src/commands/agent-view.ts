import type { Agent, Credential } from '../admin-types.js';
import type { CommandContext } from '../command.js';
import { UsageError } from '../cli-errors.js';
import { renderFields, renderJson, renderTable, type Column } from '../output.js';

/** Columns of `agents list`. */
export const AGENT_COLUMNS: Column<Agent>[] = [
  { header: 'ID', value: (agent) => agent.id },
  { header: 'NAME', value: (agent) => agent.name },
  { header: 'OWNER', value: (agent) => agent.owner },
  { header: 'STATUS', value: (agent) => agent.status },
  { header: 'AUTH', value: (agent) => agent.token_endpoint_auth_method },
  { header: 'SCOPES', value: (agent) => agent.scopes },
  { header: 'LAST SEEN', value: (agent) => agent.last_seen_at },
];

const CREDENTIAL_COLUMNS: Column<Credential>[] = [
  { header: 'ID', value: (credential) => credential.id },
  { header: 'TYPE', value: (credential) => credential.type },
  { header: 'KID', value: (credential) => credential.kid },
  { header: 'CREATED', value: (credential) => credential.created_at },
  { header: 'EXPIRES', value: (credential) => credential.expires_at },
];

/** One agent, in full: its fields, then its credentials. */
export function renderAgent(agent: Agent): string {
  const labels = Object.entries(agent.labels ?? {}).map(([key, value]) => `${key}=${value}`);
  const fields = renderFields([
    ['id', agent.id],
    ['client_id', agent.client_id],
    ['name', agent.name],
    ['owner', agent.owner],
    ['description', agent.description],
    ['status', agent.status],
    ['auth method', agent.token_endpoint_auth_method],
    ['scopes', agent.scopes],
    ['resources', agent.resources],
    ['grant types', agent.grant_types],
    ['token ttl', agent.access_token_ttl === null ? 'server default' : `${agent.access_token_ttl}s`],
    ['labels', labels],
    ['jwks_uri', agent.jwks_uri],
    ...tlsSubjectFields(agent),
    ['dpop bound', yesNo(agent.dpop_bound_access_tokens)],
    ['cert bound', yesNo(agent.tls_client_certificate_bound_access_tokens)],
    ...(agent.backchannel_token_delivery_mode === undefined ? [] : [['approvals', `${agent.backchannel_token_delivery_mode}${agent.backchannel_client_notification_endpoint === undefined ? '' : ` to ${agent.backchannel_client_notification_endpoint}`}`] as [string, string]]),
    ...(agent.redirect_uris === undefined ? [] : [['redirect uris', agent.redirect_uris] as [string, unknown]]),
    ['created', agent.created_at],
    ['updated', agent.updated_at],
    ['last seen', agent.last_seen_at],
  ]);
  const credentials = agent.credentials ?? [];
  return `${fields}\ncredentials:${credentials.length === 0 ? ' none\n' : `\n${renderTable(CREDENTIAL_COLUMNS, credentials)}`}`;
}

/** The RFC 8705 §2.1.2 subject a `tls_client_auth` certificate must carry, when one is set. */
function tlsSubjectFields(agent: Agent): [string, unknown][] {
  const subjects: [string, unknown][] = [
    ['tls san uri', agent.tls_client_auth_san_uri],
    ['tls san dns', agent.tls_client_auth_san_dns],
    ['tls subject', agent.tls_client_auth_subject_dn],
  ];
  return subjects.filter(([, value]) => value !== undefined && value !== null);
}

/** A boolean the server may not send (an older server): shown empty then. */
function yesNo(value: unknown): string | undefined {
  return typeof value === 'boolean' ? (value ? 'yes' : 'no') : undefined;
}

/** A credential just added. */
export function renderCredential(credential: Credential): string {
  return renderTable(CREDENTIAL_COLUMNS, [credential]);
}

/**
 * Prints a result that may carry a client secret. The secret goes to stdout (so it can be piped
 * into a secret store) and the warning to stderr.
 */
export function printWithSecret(context: CommandContext, result: { client_secret?: string }, human: string): void {
  if (context.json) {
    context.io.stdout(renderJson(result));
  } else {
    context.io.stdout(human);
    if (result.client_secret !== undefined) context.io.stdout(`\nclient secret: ${result.client_secret}\n`);
  }
  if (result.client_secret !== undefined) {
    context.io.stderr('warning: the client secret is shown only once and cannot be retrieved again: store it now.\n');
  }
}

/** A positional id: non-empty, and not `.`/`..`, which URL parsing would resolve as a path. */
export function checkId(value: string, command: string, what = 'ID'): string {
  if (value === '' || value === '.' || value === '..' || value.length > 256) throw new UsageError(`${what} is not a valid id`, command);
  return value;
}
