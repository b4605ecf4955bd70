import { CONFIG_FILE_FLAG } from './schema.js';
import type { AnySetting } from './setting.js';
import { suggestName } from './suggest-name.js';

/** What the command-line options say, before their values are validated. */
export interface ArgvOptions {
  /** `--config <path>` as written, if given. */
  readonly configFile: string | undefined;
  /** Raw value per Config key, as written, and the index in argv of its option. */
  readonly values: ReadonlyMap<string, { readonly raw: string; readonly index: number }>;
  /** Unknown, repeated or incomplete options, each with the index in argv where it was found. */
  readonly problems: readonly { readonly index: number; readonly text: string }[];
  readonly warnings: readonly string[];
}

/**
 * Reads server options (`--port 9000` or `--port=9000`; a boolean setting also as a bare `--flag`).
 * `argv` holds only options: the caller has removed the program and subcommand. Every mistake is
 * collected, never thrown, so the loader can report them with all other problems. Does not check
 * values: the schema's types do, in the loader.
 */
export function parseArgv(argv: readonly string[], settings: readonly AnySetting[]): ArgvOptions {
  const byFlag = new Map(settings.map((s) => [s.flag, s]));
  const knownFlags = [CONFIG_FILE_FLAG, ...byFlag.keys()];
  const values = new Map<string, { raw: string; index: number }>();
  const seen = new Set<string>();
  const problems: { index: number; text: string }[] = [];
  const problem = (index: number, text: string) => problems.push({ index, text });
  const warnings: string[] = [];
  let configFile: string | undefined;

  for (let i = 0; i < argv.length; i++) {
    const at = i;
    const token = argv[i] ?? '';
    const next = argv[i + 1];
    const nextIsValue = next !== undefined && !next.startsWith('--');
    if (!token.startsWith('-') || token === '--' || token === '-') {
      // Not echoed: a stray word is as likely to be a misplaced secret as anything else.
      problem(at, `argument ${i + 1}: unexpected argument (options are written --name value or --name=value)`);
      continue;
    }
    const eq = token.indexOf('=');
    const flag = eq === -1 ? token : token.slice(0, eq);
    const setting = byFlag.get(flag);

    if (setting === undefined && flag !== CONFIG_FILE_FLAG) {
      const suggestion = suggestName(flag, knownFlags);
      problem(at, `${clip(flag)}: unknown option${suggestion === undefined ? '' : ` (did you mean ${suggestion}?)`}`);
      // Its value, if any, belongs to it: do not report it again as a stray argument.
      if (eq === -1 && nextIsValue && !next.startsWith('-')) i++;
      continue;
    }

    let value: string | undefined;
    if (eq !== -1) value = token.slice(eq + 1);
    else if (setting?.type.kind === 'boolean') value = 'true';
    else if (nextIsValue) value = argv[++i];
    if (value === undefined) {
      problem(at, `${flag}: needs a value (${flag} <value> or ${flag}=<value>)`);
      continue;
    }
    if (seen.has(flag)) {
      problem(at, `${flag}: given more than once`);
      continue;
    }
    seen.add(flag);
    if (setting === undefined) {
      configFile = value;
    } else {
      values.set(setting.key, { raw: value, index: at });
      if (setting.secret) {
        warnings.push(`${flag}: a secret on the command line is visible to other local users in the process list; prefer ${setting.env} or the config file`);
      }
    }
  }
  return { configFile, values, problems, warnings };
}

/** Unknown input is echoed only in part: enough to recognise, bounded in length. */
function clip(text: string): string {
  return text.length > 64 ? `${text.slice(0, 64)}…` : text;
}
