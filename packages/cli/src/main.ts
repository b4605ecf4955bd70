import { AdminClient } from './admin-client.js';
import { parseCommandLine } from './args.js';
import { EXIT_OK, EXIT_USAGE, UsageError } from './cli-errors.js';
import type { Command, CommandContext, CommandGroup } from './command.js';
import { agentsGroup } from './commands/agents.js';
import { auditGroup } from './commands/audit.js';
import { keysGroup } from './commands/keys.js';
import { caGroup } from './commands/ca.js';
import { certsGroup } from './commands/certs.js';
import { bindingsGroup, issuersGroup } from './commands/federation.js';
import { runStart } from './commands/start.js';
import { tokenCommand } from './commands/token.js';
import { tokensGroup } from './commands/tokens.js';
import { commandHelp, groupHelp, topHelp } from './help.js';
import type { CliIo } from './io.js';
import { renderError } from './render-error.js';

/** Where the CLI looks for the server when neither --url nor AGENTAUTH_URL says. */
export const DEFAULT_URL = 'http://127.0.0.1:8080';

const GROUPS: readonly CommandGroup[] = [agentsGroup, keysGroup, auditGroup, tokensGroup, issuersGroup, bindingsGroup, certsGroup, caGroup];
const LEAVES: readonly Command[] = [tokenCommand];
const HELP = new Set(['--help', '-h', 'help']);

/**
 * Runs `agentauth` with `argv` (without the node and script paths) and resolves to the exit
 * status: 0 ok, 1 the operation failed, 2 usage error, 3 the server cannot be reached. `start`
 * resolves to whatever the server's `runServer` returns, where a negative value means the server
 * is still running. All output goes through `io`, so tests run it in-process.
 */
export async function main(argv: string[], io: CliIo): Promise<number> {
  try {
    return await dispatch(argv, io);
  } catch (error) {
    const { text, exitCode } = renderError(error);
    io.stderr(text);
    return exitCode;
  }
}

async function dispatch(argv: string[], io: CliIo): Promise<number> {
  const [first, second] = argv;
  if (first === undefined) {
    io.stderr(topHelp(GROUPS, LEAVES));
    return EXIT_USAGE;
  }
  if (HELP.has(first)) {
    io.stdout(topHelp(GROUPS, LEAVES));
    return EXIT_OK;
  }
  if (first === 'start') return runStart(argv.slice(1), io);
  const leaf = LEAVES.find((command) => command.name === first);
  if (leaf !== undefined) return runCommand(leaf, argv.slice(1), io);
  const group = GROUPS.find((candidate) => candidate.name === first);
  if (group === undefined) throw new UsageError(`unknown command '${first}'`);
  if (second === undefined) {
    io.stderr(groupHelp(group));
    return EXIT_USAGE;
  }
  if (HELP.has(second)) {
    io.stdout(groupHelp(group));
    return EXIT_OK;
  }
  const command = group.commands.find((candidate) => candidate.name === `${group.name} ${second}`);
  if (command === undefined) throw new UsageError(`unknown command '${group.name} ${second}'`, group.name);
  return runCommand(command, argv.slice(2), io);
}

async function runCommand(command: Command, argv: string[], io: CliIo): Promise<number> {
  const { flags, positionals } = parseCommandLine(argv, command.options, command.name);
  if (flags.bool('help')) {
    io.stdout(commandHelp(command));
    return EXIT_OK;
  }
  if (positionals.length < command.args.length) {
    throw new UsageError(`missing ${command.args.slice(positionals.length).join(' ')}`, command.name);
  }
  if (positionals.length > command.args.length) {
    // The extra word is not echoed: it might be a secret typed in the wrong place.
    throw new UsageError(`too many arguments (expected ${command.args.length === 0 ? 'none' : command.args.join(' ')})`, command.name);
  }
  const baseUrl = resolveBaseUrl(flags.string('url') ?? nonEmpty(io.env.AGENTAUTH_URL) ?? DEFAULT_URL, command.name);
  let admin: AdminClient | undefined;
  const context: CommandContext = {
    flags,
    args: positionals,
    io,
    json: flags.bool('json'),
    baseUrl,
    admin: () => (admin ??= adminClient(baseUrl, flags.string('token') ?? nonEmpty(io.env.AGENTAUTH_ADMIN_TOKEN), io, command.name)),
  };
  return command.run(context);
}

function adminClient(baseUrl: string, token: string | undefined, io: CliIo, command: string): AdminClient {
  if (token === undefined) throw new UsageError('no admin token: set AGENTAUTH_ADMIN_TOKEN (or pass --token)', command);
  const url = new URL(baseUrl);
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    throw new UsageError(`refusing to send the admin token over plain http to ${url.host}: use https`, command);
  }
  return new AdminClient({ baseUrl, token, fetch: io.fetch });
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

function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(?:\.\d{1,3}){3}$/.test(hostname);
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
