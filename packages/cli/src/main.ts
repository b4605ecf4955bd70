import { readFile } from 'node:fs/promises';

import { isLoopbackHost } from '@agentauth/protocol';
import { AdminClient } from './admin-client.js';
import { parseCommandLine, parseLeadingFlags } from './args.js';
import { EXIT_OK, EXIT_USAGE, UsageError } from './cli-errors.js';
import type { Command, CommandContext, CommandGroup } from './command.js';
import { agentsGroup } from './commands/agents.js';
import { apiKeysGroup } from './commands/api-keys.js';
import { auditGroup } from './commands/audit.js';
import { keysGroup } from './commands/keys.js';
import { caGroup } from './commands/ca.js';
import { certsGroup } from './commands/certs.js';
import { bindingsGroup, issuersGroup } from './commands/federation.js';
import { scanCommand } from './commands/scan.js';
import { runMasterKeyRotate, runStart } from './commands/start.js';
import { tokenCommand } from './commands/token.js';
import { tokensGroup } from './commands/tokens.js';
import { streamsGroup } from './commands/streams.js';
import { anomaliesGroup } from './commands/anomalies.js';
import { usersGroup } from './commands/users.js';
import { loginProvidersGroup } from './commands/login-providers.js';
import { migrationGroup } from './commands/migration.js';
import { policiesGroup } from './commands/policies.js';
import { commandHelp, groupHelp, topHelp } from './help.js';
import type { CliIo } from './io.js';
import { renderJson } from './output.js';
import { renderError } from './render-error.js';
import { tlsFetch } from './tls-fetch.js';
import { cliVersion } from './version.js';

/** Where the CLI looks for the server when neither --url nor AGENTAUTH_URL says. */
export const DEFAULT_URL = 'http://127.0.0.1:8080';

const GROUPS: readonly CommandGroup[] = [agentsGroup, apiKeysGroup, migrationGroup, keysGroup, auditGroup, tokensGroup, issuersGroup, bindingsGroup, certsGroup, caGroup, streamsGroup, anomaliesGroup, policiesGroup, usersGroup, loginProvidersGroup];
const LEAVES: readonly Command[] = [tokenCommand, scanCommand];
const HELP = new Set(['--help', '-h', 'help']);
/** A CA file is a few certificates; refuse to read anything much bigger. */
const MAX_CA_FILE_BYTES = 1024 * 1024;

/**
 * Runs `agentauth` with `argv` (without the node and script paths) and resolves to the exit
 * status: 0 ok, 1 the operation failed, 2 usage error, 3 the server cannot be reached. `start`
 * resolves to whatever the server's `runServer` returns, where a negative value means the server
 * is still running. All output goes through `io`, so tests run it in-process. With `--json`
 * anywhere, an error is printed as one JSON object on stderr (docs/cli.md).
 */
export async function main(argv: string[], io: CliIo): Promise<number> {
  try {
    return await dispatch(argv, io);
  } catch (error) {
    const { text, exitCode } = renderError(error, wantsJson(argv));
    io.stderr(text);
    return exitCode;
  }
}

/** `--json` given as a flag (not as the value after `--`), even on a command line that does not parse. */
function wantsJson(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).includes('--json');
}

async function dispatch(argv: string[], io: CliIo): Promise<number> {
  const leading = parseLeadingFlags(argv);
  const words = argv.slice(leading.rest);
  const [first, second] = words;
  if (leading.values['version'] === true) {
    io.stdout(leading.values['json'] === true ? renderJson({ version: cliVersion() }) : `agentauth ${cliVersion()}\n`);
    return EXIT_OK;
  }
  const help = leading.values['help'] === true;
  if (first === undefined) {
    if (help) {
      io.stdout(topHelp(GROUPS, LEAVES));
      return EXIT_OK;
    }
    io.stderr(topHelp(GROUPS, LEAVES));
    return EXIT_USAGE;
  }
  if (HELP.has(first)) {
    io.stdout(topHelp(GROUPS, LEAVES));
    return EXIT_OK;
  }
  if (first === 'start') {
    // Everything after `start` is the server's; the CLI's own flags have no meaning there.
    const own = Object.keys(leading.values).filter((name) => name !== 'help');
    if (own.length > 0) throw new UsageError(`--${own[0]} does not apply to start: its flags are the server's`, 'start');
    return runStart(help ? ['--help', ...words.slice(1)] : words.slice(1), io);
  }
  if (first === 'master-key' && second === 'rotate') {
    // Like start: the database is opened by the server package, with the server's flags.
    const own = Object.keys(leading.values).filter((name) => name !== 'help');
    if (own.length > 0) throw new UsageError(`--${own[0]} does not apply to master-key rotate: its flags are the server's`, 'master-key rotate');
    return runMasterKeyRotate(help ? ['--help', ...words.slice(2)] : words.slice(2), io);
  }
  const leaf = LEAVES.find((command) => command.name === first);
  if (leaf !== undefined) return runCommand(leaf, words.slice(1), io, leading.values);
  const group = GROUPS.find((candidate) => candidate.name === first);
  if (group === undefined) throw new UsageError(`unknown command '${first.slice(0, 64)}'`);
  if (second === undefined || second.startsWith('-') || HELP.has(second)) {
    if (help || (second !== undefined && HELP.has(second))) {
      io.stdout(groupHelp(group));
      return EXIT_OK;
    }
    if (second !== undefined) throw new UsageError(`'agentauth ${group.name}' needs a command before its flags`, group.name);
    io.stderr(groupHelp(group));
    return EXIT_USAGE;
  }
  const command = group.commands.find((candidate) => candidate.name === `${group.name} ${second}`);
  if (command === undefined) throw new UsageError(`unknown command '${group.name} ${second.slice(0, 64)}'`, group.name);
  return runCommand(command, words.slice(2), io, leading.values);
}

async function runCommand(command: Command, argv: string[], io: CliIo, leading: Record<string, string | boolean>): Promise<number> {
  const { flags, positionals } = parseCommandLine(argv, command.options, command.name, leading);
  if (flags.bool('help')) {
    io.stdout(commandHelp(command));
    return EXIT_OK;
  }
  if (positionals.length < command.args.length) {
    throw new UsageError(`missing ${command.args.slice(positionals.length).join(' ')}`, command.name);
  }
  const accepted = [...command.args, ...(command.optionalArgs ?? []).map((name) => `[${name}]`)];
  if (positionals.length > accepted.length) {
    // The extra word is not echoed: it might be a secret typed in the wrong place.
    throw new UsageError(`too many arguments (expected ${accepted.length === 0 ? 'none' : accepted.join(' ')})`, command.name);
  }
  const baseUrl = resolveBaseUrl(flags.string('url') ?? nonEmpty(io.env.AGENTAUTH_URL) ?? DEFAULT_URL, command.name);
  const caFile = flags.string('cacert') ?? nonEmpty(io.env.AGENTAUTH_CACERT);
  const cacert = caFile === undefined ? undefined : await readCaFile(caFile, command.name);
  const doFetch = cacert === undefined ? io.fetch : tlsFetch({ ca: cacert });
  let admin: AdminClient | undefined;
  const context: CommandContext = {
    command: command.name,
    flags,
    args: positionals,
    io,
    json: flags.bool('json'),
    baseUrl,
    cacert,
    fetch: doFetch,
    admin: () => (admin ??= adminClient(baseUrl, flags.string('token') ?? nonEmpty(io.env.AGENTAUTH_ADMIN_TOKEN), doFetch, command.name)),
  };
  return command.run(context);
}

/** The PEM certificates of `--cacert`: read once, checked to hold at least one certificate. */
async function readCaFile(path: string, command: string): Promise<string> {
  let text: string;
  try {
    const file = await readFile(path);
    if (file.length > MAX_CA_FILE_BYTES) throw new UsageError(`--cacert ${path} is too large for a CA file`, command);
    text = file.toString('utf8');
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`cannot read --cacert ${path}: ${(error as { code?: string }).code ?? 'error'}`, command);
  }
  if (!text.includes('-----BEGIN CERTIFICATE-----')) throw new UsageError(`--cacert ${path} holds no PEM certificate`, command);
  return text;
}

function adminClient(baseUrl: string, token: string | undefined, doFetch: typeof fetch, command: string): AdminClient {
  if (token === undefined) throw new UsageError('no admin token: set AGENTAUTH_ADMIN_TOKEN (or pass --token)', command);
  const url = new URL(baseUrl);
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    throw new UsageError(`refusing to send the admin token over plain http to ${url.host}: use https`, command);
  }
  return new AdminClient({ baseUrl, token, fetch: doFetch });
}

/** The server URL: http(s), no credentials, query or fragment; a trailing slash is dropped. */
function resolveBaseUrl(value: string, command: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError('the server URL (--url or AGENTAUTH_URL) is not a URL', command);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError('the server URL must be http or https', command);
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') {
    throw new UsageError('the server URL must not contain credentials, a query or a fragment', command);
  }
  return url.href.replace(/\/+$/, '');
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
