import type { Config } from './config.js';
import type { ValueType } from './value-types.js';

/**
 * Where a setting's value comes from when no source gives one. Both forms are raw values, read by
 * the same parser as a YAML value, so a default obeys the same rules as a value an operator writes.
 */
export type SettingDefault =
  /** A fixed raw value; `undefined` means the setting is unset (each such setting says what that means). */
  | { readonly value: unknown }
  | {
      /** Computed from settings earlier in SETTINGS; undefined when one of them is invalid. */
      readonly derive: (earlier: Partial<Config>) => unknown;
      /** How the docs show it, e.g. `http://HOST:PORT`. */
      readonly doc: string;
      /** Appended to a problem with the derived value: what the operator should set instead. */
      readonly hint: string;
    };

/** One configuration setting: its Config key, its names in every source, its type and default. */
export interface Setting<K extends keyof Config = keyof Config> {
  readonly key: K;
  /** `AGENTAUTH_<UPPER_SNAKE>` of the key. */
  readonly env: string;
  /** `--<kebab-case>` of the key; without the dashes, it is also the YAML file key. */
  readonly flag: string;
  readonly type: ValueType<Config[K]>;
  readonly default: SettingDefault;
  /** How the docs show a fixed default; derived from the value when absent. */
  readonly defaultDoc?: string;
  readonly description: string;
  /** A secret's value is never echoed in a problem, a warning or the docs. */
  readonly secret: boolean;
}

/** Any one setting, with its key and type kept together. */
export type AnySetting = { [K in keyof Config]: Setting<K> }[keyof Config];

const kebab = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** A setting of `key`: its variable and flag names follow from the key. */
export function setting<K extends keyof Config>(key: K, rest: Omit<Setting<K>, 'key' | 'env' | 'flag' | 'secret'> & { secret?: boolean }): Setting<K> {
  const name = kebab(key);
  return { key, env: `AGENTAUTH_${name.replaceAll('-', '_').toUpperCase()}`, flag: `--${name}`, secret: false, ...rest };
}
