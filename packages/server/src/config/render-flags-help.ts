import { defaultText } from './render-config-reference.js';
import { CONFIG_FILE_ENV, CONFIG_FILE_FLAG, SETTINGS } from './schema.js';

/** The server's commands, as the `agentauth` CLI names them, and what each does. */
const COMMANDS = {
  start: { cli: 'start', summary: 'Runs the server in the foreground.' },
  migrate: { cli: 'migrate', summary: 'Applies the database migrations and exits.' },
  'rotate-master-key': {
    cli: 'master-key rotate',
    summary: 'Re-encrypts every sealed value under the new master key read from standard input (base64 of 32 bytes), in one transaction; stop every node first (docs/deploy.md).',
  },
} as const;

/**
 * The server's flags as `agentauth start --help` (and `agentauth-server start --help`) prints
 * them, generated from the one schema, as docs/configuration.md is: each flag with its
 * description, environment variable, accepted values and default. No secret value ever appears.
 */
export function renderFlagsHelp(command: keyof typeof COMMANDS): string {
  const plain = (text: string) => text.replaceAll('`', '').replaceAll('**', '');
  const lines = [
    `usage: agentauth ${COMMANDS[command].cli} [--flag value]...   (or: agentauth-server ${command} ...)`,
    '',
    COMMANDS[command].summary,
    'Every flag is also an environment variable, and a key (the flag without its dashes) of the YAML',
    `file named by ${CONFIG_FILE_FLAG} FILE; flags win over the environment, which wins over the file.`,
    'Secrets are safer in the environment or the file: flags show in the process list.',
    '',
    'flags:',
    `  ${CONFIG_FILE_FLAG} FILE`,
    `      YAML configuration file. ${CONFIG_FILE_ENV}`,
  ];
  for (const setting of SETTINGS) {
    const value = setting.type.kind === 'boolean' ? '' : ' VALUE';
    const facts = [setting.env, plain(setting.type.summary), ...(setting.secret ? ['secret'] : []), `default ${plain(defaultText(setting))}`];
    lines.push(`  ${setting.flag}${value}`, `      ${plain(setting.description)}`, `      ${facts.join('; ')}`);
  }
  lines.push('', 'Details: docs/configuration.md.');
  return `${lines.join('\n')}\n`;
}
