import { parseArgs } from 'node:util';

import { UsageError } from './cli-errors.js';

/** One flag of a command, as parseArgs wants it, plus what the help shows. */
export interface OptionSpec {
  type: 'string' | 'boolean';
  multiple?: boolean;
  short?: string;
  /** Placeholder shown in help, e.g. `ID`. */
  placeholder?: string;
  description: string;
}

/** Flags every command accepts, before or after the command words. */
export const GLOBAL_OPTIONS: Record<string, OptionSpec> = {
  url: { type: 'string', placeholder: 'URL', description: 'server URL (default $AGENTAUTH_URL, else http://127.0.0.1:8080)' },
  token: { type: 'string', placeholder: 'TOKEN', description: 'admin token (default $AGENTAUTH_ADMIN_TOKEN; the variable is safer: flags show in ps)' },
  cacert: { type: 'string', placeholder: 'FILE', description: "PEM CA certificates to trust for https, besides the public roots (default $AGENTAUTH_CACERT); e.g. agentauth's CA bundle" },
  json: { type: 'boolean', description: 'print JSON for scripts instead of tables; errors as JSON on stderr' },
  help: { type: 'boolean', short: 'h', description: 'show this help' },
};

/** Flags only the bare `agentauth` takes. */
export const TOP_OPTIONS: Record<string, OptionSpec> = {
  version: { type: 'boolean', short: 'V', description: "print the CLI's version" },
};

/** Global flags given before the command words, and where the command words start. */
export interface LeadingFlags {
  values: Record<string, string | boolean>;
  /** Index in argv of the first word that is not a leading flag. */
  rest: number;
}

/**
 * Reads the global flags (and `--version`) written before the command, as `agentauth --json agents
 * list` does: `--name value`, `--name=value`, or a bare boolean. Unknown flags there are usage
 * errors, named but never with their value.
 */
export function parseLeadingFlags(argv: readonly string[]): LeadingFlags {
  const specs: Record<string, OptionSpec> = { ...GLOBAL_OPTIONS, ...TOP_OPTIONS };
  const byShort = new Map<string, string>(Object.entries(specs).flatMap(([name, spec]) => (spec.short === undefined ? [] : [[`-${spec.short}`, name] as const])));
  const values: Record<string, string | boolean> = {};
  let i = 0;
  for (; i < argv.length; i++) {
    const token = argv[i] as string;
    if (!token.startsWith('-') || token === '-') break;
    if (token === '--') throw new UsageError("'--' cannot come before the command");
    const eq = token.indexOf('=');
    const written = eq === -1 ? token : token.slice(0, eq);
    const name = byShort.get(written) ?? (written.startsWith('--') ? written.slice(2) : undefined);
    const spec = name === undefined ? undefined : specs[name];
    if (name === undefined || spec === undefined) throw new UsageError(`unknown option '${written.slice(0, 64)}' (only global flags may come before the command)`);
    if (Object.hasOwn(values, name)) throw new UsageError(`--${name} is given twice`);
    if (spec.type === 'boolean') {
      if (eq !== -1) throw new UsageError(`Option '--${name}' does not take an argument`);
      values[name] = true;
    } else if (eq !== -1) {
      values[name] = token.slice(eq + 1);
    } else {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('-')) throw new UsageError(`Option '--${name} <value>' argument missing (write --${name}=VALUE for a value starting with '-')`);
      values[name] = next;
      i++;
    }
  }
  return { values, rest: i };
}

/** Parsed flags with typed, validating accessors; every failure is a UsageError. */
export class Flags {
  readonly #values: Record<string, unknown>;
  readonly #command: string;

  constructor(values: Record<string, unknown>, command: string) {
    this.#values = values;
    this.#command = command;
  }

  has(name: string): boolean {
    const value = this.#values[name];
    return value !== undefined && !(Array.isArray(value) && value.length === 0);
  }

  string(name: string): string | undefined {
    const value = this.#values[name];
    if (value === undefined) return undefined;
    if (typeof value !== 'string') throw new UsageError(`--${name} takes one value`, this.#command);
    if (value === '') throw new UsageError(`--${name} must not be empty`, this.#command);
    return value;
  }

  /** Like {@link string}, but an empty value is allowed (to clear a text field). */
  text(name: string): string | undefined {
    const value = this.#values[name];
    if (value === undefined) return undefined;
    if (typeof value !== 'string') throw new UsageError(`--${name} takes one value`, this.#command);
    return value;
  }

  required(name: string): string {
    const value = this.string(name);
    if (value === undefined) throw new UsageError(`--${name} is required`, this.#command);
    return value;
  }

  strings(name: string): string[] {
    const value = this.#values[name];
    if (value === undefined) return [];
    const list = Array.isArray(value) ? value : [value];
    for (const item of list) if (item === '') throw new UsageError(`--${name} must not be empty`, this.#command);
    return list as string[];
  }

  bool(name: string): boolean {
    return this.#values[name] === true;
  }

  /** An integer within [min, max]. */
  int(name: string, min: number, max: number): number | undefined {
    const text = this.string(name);
    if (text === undefined) return undefined;
    if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) {
      throw new UsageError(`--${name} must be an integer from ${min} to ${max}`, this.#command);
    }
    return Number(text);
  }

  /** `--label k=v` repeated, as an object; a key given twice is an error. */
  labels(name: string): Record<string, string> {
    const labels: Record<string, string> = {};
    for (const item of this.strings(name)) {
      const at = item.indexOf('=');
      if (at <= 0) throw new UsageError(`--${name} must be key=value, got "${item}"`, this.#command);
      const key = item.slice(0, at);
      if (Object.hasOwn(labels, key)) throw new UsageError(`--${name} ${key} is given twice`, this.#command);
      labels[key] = item.slice(at + 1);
    }
    return labels;
  }

  /** One of `allowed`. */
  choice<T extends string>(name: string, allowed: readonly T[]): T | undefined {
    const value = this.string(name);
    if (value === undefined) return undefined;
    if (!(allowed as readonly string[]).includes(value)) {
      throw new UsageError(`--${name} must be one of ${allowed.join(', ')}`, this.#command);
    }
    return value as T;
  }
}

/**
 * Parses `argv` strictly (unknown flags are errors) with the command's options plus the global
 * ones; `leading` are the global flags given before the command, and one given both there and
 * here is an error. parseArgs' messages name the flag, never its value, so a mistyped
 * `--tokn=secret` does not echo the secret.
 */
export function parseCommandLine(
  argv: string[],
  options: Record<string, OptionSpec>,
  command: string,
  leading: Record<string, string | boolean> = {},
): { flags: Flags; positionals: string[] } {
  const config: Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }> = {};
  for (const [name, spec] of Object.entries({ ...GLOBAL_OPTIONS, ...options })) {
    config[name] = { type: spec.type, ...(spec.multiple ? { multiple: true } : {}), ...(spec.short === undefined ? {} : { short: spec.short }) };
  }
  try {
    const { values, positionals } = parseArgs({ args: argv, options: config, strict: true, allowPositionals: true });
    for (const [name, value] of Object.entries(leading)) {
      if (values[name] !== undefined && typeof value === 'string') throw new UsageError(`--${name} is given twice (before and after the command)`, command);
      (values as Record<string, unknown>)[name] = value;
    }
    return { flags: new Flags(values, command), positionals };
  } catch (error) {
    if (error instanceof TypeError && typeof (error as { code?: unknown }).code === 'string') {
      // parseArgs' own words, over several lines when it explains an ambiguity: kept as lines.
      throw new UsageError((error.message.split('. To specify a positional')[0] ?? error.message).trim(), command);
    }
    throw error;
  }
}
