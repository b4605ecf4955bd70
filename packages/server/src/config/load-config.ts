import { isAbsolute } from 'node:path';
import type { Config } from './config.js';
import { ConfigError } from './config-error.js';
import { parseArgv } from './parse-argv.js';
import { readConfigFile, type FileValue } from './read-config-file.js';
import { CONFIG_FILE_ENV, NON_SERVER_ENV, SETTINGS } from './schema.js';
import type { AnySetting } from './setting.js';
import { suggestName } from './suggest-name.js';
import type { ParseContext } from './value-types.js';

/** Everything configuration is read from; passed in so tests need no real process state. */
export interface LoadConfigInput {
  /** Server options only: the caller has removed the program name and the subcommand. */
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Absolute directory that relative paths (the data dir, the config file) are resolved against. */
  readonly cwd: string;
}

/** A valid configuration, and what the operator should hear about it (unknown variables...). */
export interface LoadedConfig {
  /** Deeply frozen (except the `masterKey` Buffer, which JavaScript cannot freeze). */
  readonly config: Config;
  readonly warnings: string[];
}

/** A raw value and the source it came from, as problems name it (`AGENTAUTH_PORT`, `--port`, `file:3: port`). */
interface RawValue {
  readonly raw: unknown;
  readonly source: string;
  /** Position within its source (file line, argv index), to list problems in the order written. */
  readonly order: number;
}

interface Problem {
  readonly order: number;
  readonly text: string;
}

/**
 * Builds the server configuration from the schema in `schema.ts`. Later sources win:
 * defaults < YAML file (`--config <path>`, else `AGENTAUTH_CONFIG`) < `AGENTAUTH_*` environment
 * < command-line flags. An empty environment variable counts as not set.
 *
 * Every value from every source is validated, even one a later source overrides, and all problems
 * are thrown together as one {@link ConfigError}; no problem quotes a secret's value. An unknown
 * `AGENTAUTH_*` variable is only a warning (other tools share the prefix); an unknown flag or
 * file key is a problem.
 *
 * @throws TypeError when `input` itself is malformed (programmer misuse).
 * @throws ConfigError when the configuration is invalid.
 */
export function loadConfig(input: LoadConfigInput): LoadedConfig {
  assertInput(input);
  const { env, cwd } = input;
  const warnings: string[] = [];

  const args = parseArgv(input.argv, SETTINGS);
  warnings.push(...args.warnings);
  const flagValues = new Map<string, RawValue>();
  for (const s of SETTINGS) {
    const given = args.values.get(s.key);
    if (given !== undefined) flagValues.set(s.key, { raw: given.raw, source: s.flag, order: given.index });
  }

  const configPath = args.configFile ?? nonEmpty(env[CONFIG_FILE_ENV]);
  const file = configPath === undefined ? { values: new Map<string, FileValue>(), problems: [] } : readConfigFile(configPath, cwd, SETTINGS);
  const fileValues = new Map<string, RawValue>([...file.values].map(([key, v]) => [key, { raw: v.raw, source: v.source, order: v.line }]));

  const envValues = new Map<string, RawValue>();
  const byEnv = new Map(SETTINGS.map((s) => [s.env, s]));
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith('AGENTAUTH_') || NON_SERVER_ENV.includes(name)) continue;
    const s = byEnv.get(name);
    if (s === undefined) {
      const suggestion = suggestName(name, [...byEnv.keys()]);
      warnings.push(`${name} is not a server setting and is ignored${suggestion === undefined ? '' : ` (did you mean ${suggestion}?)`}`);
    } else if (nonEmpty(value) !== undefined) {
      envValues.set(s.key, { raw: value, source: name, order: 0 });
    }
  }

  // Problems are listed by source in precedence order, each source in the order it was written,
  // then those of derived defaults.
  const layers: { values: ReadonlyMap<string, RawValue>; problems: Problem[] }[] = [
    { values: fileValues, problems: file.problems.map((p) => ({ order: p.line, text: p.text })) },
    { values: envValues, problems: [] },
    { values: flagValues, problems: args.problems.map((p) => ({ order: p.index, text: p.text })) },
  ];
  const defaultProblems: string[] = [];
  const context: ParseContext = { cwd };
  const resolved: Partial<Record<keyof Config, unknown>> = {};
  for (const s of SETTINGS) {
    let winner: { value: unknown } | undefined;
    let valid = true;
    for (const layer of layers) {
      const value = layer.values.get(s.key);
      if (value === undefined) continue;
      const parsed = s.type.parse(value.raw, context);
      if (parsed.ok) winner = { value: parsed.value };
      else {
        valid = false;
        layer.problems.push({ order: value.order, text: `${value.source}: ${parsed.expected} ${shown(s, value.raw)}` });
      }
    }
    // A refused value leaves the key unresolved, so no default is derived from it.
    if (!valid) continue;
    if (winner !== undefined) resolved[s.key] = winner.value;
    else applyDefault(s, resolved, context, defaultProblems);
  }

  const all = [...layers.flatMap((l) => l.problems.sort((a, b) => a.order - b.order).map((p) => p.text)), ...defaultProblems];
  if (all.length > 0) throw new ConfigError(all);
  return { config: deepFreeze(resolved as Config), warnings };
}

function applyDefault(s: AnySetting, resolved: Partial<Record<keyof Config, unknown>>, context: ParseContext, problems: string[]): void {
  const fallback = s.default;
  if ('value' in fallback) {
    if (fallback.value === undefined) {
      resolved[s.key] = undefined;
      return;
    }
    const parsed = s.type.parse(fallback.value, context);
    // A schema whose default fails its own type is a bug in this package, not the operator's doing.
    if (!parsed.ok) throw new TypeError(`the default of ${s.key} is invalid: ${parsed.expected}`);
    resolved[s.key] = parsed.value;
    return;
  }
  const raw = fallback.derive(resolved as Partial<Config>);
  if (raw === undefined) return; // a setting it derives from is invalid, and already reported
  const parsed = s.type.parse(raw, context);
  if (parsed.ok) resolved[s.key] = parsed.value;
  else {
    const value = s.secret ? 'its default' : `its default ${JSON.stringify(raw)} (${fallback.doc})`;
    problems.push(`${s.env}: not set, and ${value} ${parsed.expected}; ${fallback.hint}`);
  }
}

/** The `(got ...)` suffix of a problem; a secret is never shown. */
function shown(s: AnySetting, raw: unknown): string {
  if (s.secret) return '(value not shown: secret)';
  if (typeof raw === 'string') return `(got ${JSON.stringify(raw.length > 64 ? `${raw.slice(0, 64)}…` : raw)})`;
  if (typeof raw === 'number' || typeof raw === 'boolean') return `(got ${String(raw)})`;
  return `(got a YAML ${Array.isArray(raw) ? 'list' : 'mapping'})`;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

function assertInput(input: LoadConfigInput): void {
  if (typeof input !== 'object' || input === null) throw new TypeError('loadConfig: input must be { argv, env, cwd }');
  if (!Array.isArray(input.argv) || !input.argv.every((a) => typeof a === 'string')) {
    throw new TypeError('loadConfig: argv must be an array of strings');
  }
  if (typeof input.env !== 'object' || input.env === null) throw new TypeError('loadConfig: env must be an object');
  if (typeof input.cwd !== 'string' || !isAbsolute(input.cwd)) throw new TypeError('loadConfig: cwd must be an absolute path');
}

/** Object.freeze all the way down; typed arrays (the master key) cannot be frozen and are skipped. */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !ArrayBuffer.isView(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
