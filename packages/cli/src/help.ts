import { GLOBAL_OPTIONS, type OptionSpec } from './args.js';
import type { Command, CommandGroup } from './command.js';

/** The top-level help, listing every command. */
export function topHelp(groups: readonly CommandGroup[], leaves: readonly Command[]): string {
  const lines = [
    'agentauth: run and manage an agentauth identity provider.',
    '',
    'usage: agentauth [global flags] <command> [flags]',
    "       agentauth --version    (or -V: the CLI's version)",
    '',
    'commands:',
    ...rows([['start [server flags...]', 'start the server (flags: agentauth start --help)'], ['master-key rotate [server flags...]', 're-encrypt stored keys under a new master key (stdin; nodes stopped)'], ...leaves.map((command) => [command.name, command.summary] as const), ...groups.flatMap((group) => group.commands.map((command) => [command.name, command.summary] as const))]),
    '',
    'global flags (before or after the command):',
    ...optionLines(GLOBAL_OPTIONS),
    '',
    'environment: AGENTAUTH_URL (default http://127.0.0.1:8080), AGENTAUTH_ADMIN_TOKEN, AGENTAUTH_CACERT.',
    'exit status: 0 ok, 1 operation failed, 2 usage error, 3 server unreachable (refused, DNS, TLS).',
    'with --json, an error is one JSON object on stderr: {"error":{"code","message","status","exit_code"}}.',
  ];
  return `${lines.join('\n')}\n`;
}

/** The help of one group: its commands with their synopses. */
export function groupHelp(group: CommandGroup): string {
  const lines = [`agentauth ${group.name}: ${group.summary}`, '', 'commands:', ...group.commands.flatMap((command) => [`  agentauth ${command.name} ${command.synopsis}`.trimEnd(), `      ${command.summary}`])];
  lines.push('', `run 'agentauth ${group.name} <command> --help' for a command's flags.`);
  return `${lines.join('\n')}\n`;
}

/** The help of one command: synopsis and every flag. */
export function commandHelp(command: Command): string {
  const own = optionLines(command.options);
  const lines = [`usage: agentauth ${command.name} ${command.synopsis}`.trimEnd(), '', command.summary, ''];
  if (own.length > 0) lines.push('flags:', ...own, '');
  lines.push('global flags:', ...optionLines(GLOBAL_OPTIONS));
  return `${lines.join('\n')}\n`;
}

function optionLines(options: Record<string, OptionSpec>): string[] {
  return rows(
    Object.entries(options).map(([name, spec]) => {
      const short = spec.short === undefined ? '' : `-${spec.short}, `;
      const value = spec.type === 'string' ? ` ${spec.placeholder ?? 'VALUE'}` : '';
      return [`${short}--${name}${value}${spec.multiple ? ' (repeatable)' : ''}`, spec.description] as const;
    }),
  );
}

function rows(pairs: readonly (readonly [string, string])[]): string[] {
  const width = Math.max(0, ...pairs.map(([left]) => left.length));
  return pairs.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`);
}
