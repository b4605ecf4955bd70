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

/** Flags every command accepts. */
export const GLOBAL_OPTIONS: Record<string, OptionSpec> = {
  url: { type: 'string', placeholder: 'URL', description: 'server URL (default $AGENTAUTH_URL, else http://127.0.0.1:8080)' },
  token: { type: 'string', placeholder: 'TOKEN', description: 'admin token (default $AGENTAUTH_ADMIN_TOKEN; the variable is safer: flags show in ps)' },
  json: { type: 'boolean', description: 'print JSON for scripts instead of tables' },
  help: { type: 'boolean', short: 'h', description: 'show this help' },
};

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
 * ones. parseArgs' messages name the flag, never its value, so a mistyped `--tokn=secret` does not
 * echo the secret.
 */
export function parseCommandLine(argv: string[], options: Record<string, OptionSpec>, command: string): { flags: Flags; positionals: string[] } {
  const config: Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }> = {};
  for (const [name, spec] of Object.entries({ ...GLOBAL_OPTIONS, ...options })) {
    config[name] = { type: spec.type, ...(spec.multiple ? { multiple: true } : {}), ...(spec.short === undefined ? {} : { short: spec.short }) };
  }
  try {
    const { values, positionals } = parseArgs({ args: argv, options: config, strict: true, allowPositionals: true });
    return { flags: new Flags(values, command), positionals };
  } catch (error) {
    if (error instanceof TypeError && typeof (error as { code?: unknown }).code === 'string') {
      throw new UsageError(error.message.split('. To specify a positional')[0] ?? error.message, command);
    }
    throw error;
  }
}
