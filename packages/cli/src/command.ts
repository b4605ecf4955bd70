import type { AdminClient } from './admin-client.js';
import type { Flags, OptionSpec } from './args.js';
import type { CliIo } from './io.js';

/** What a command's `run` gets. */
export interface CommandContext {
  /** The command words, e.g. `agents create` (for usage errors). */
  command: string;
  flags: Flags;
  /** Positional arguments after the command words, already counted against `args`. */
  args: string[];
  io: CliIo;
  /** `--json` was given. */
  json: boolean;
  /** The server's base URL (validated). */
  baseUrl: string;
  /** PEM CA certificates of `--cacert` (or AGENTAUTH_CACERT), trusted besides the public roots. */
  cacert: string | undefined;
  /** fetch for the server: `io.fetch`, or one that trusts `cacert`. */
  fetch: typeof fetch;
  /** The admin client; throws a UsageError when no admin token is configured. */
  admin(): AdminClient;
}

/** One runnable command, e.g. `agents create`. */
export interface Command {
  /** The command words, e.g. `agents create`. */
  name: string;
  summary: string;
  /** Positional argument names, e.g. `['ID']`; all are required. */
  args: string[];
  /** Positional arguments that may follow the required ones, e.g. `['AGENT']`. */
  optionalArgs?: string[];
  /** The synopsis after the name, e.g. `--name N --owner O [--scope S]...`. */
  synopsis: string;
  options: Record<string, OptionSpec>;
  run(context: CommandContext): Promise<number>;
}

/** A command group: `agents`, `keys`, `audit`. */
export interface CommandGroup {
  name: string;
  summary: string;
  commands: Command[];
}
