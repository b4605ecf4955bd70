import { isIP } from 'node:net';
import { isAbsolute, resolve } from 'node:path';

/**
 * The result of reading one raw setting value. `expected` says what the value must be; it never
 * quotes the value, so the loader alone decides whether the value may be echoed (secrets are not).
 */
export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly expected: string };

/** What a value type needs besides the raw value. */
export interface ParseContext {
  /** Absolute working directory that relative paths are resolved against. */
  readonly cwd: string;
}

/**
 * One kind of setting value: its parser and its one-line summary for the docs. Raw values are
 * strings from the environment and flags, or any YAML scalar/sequence from the config file.
 */
export interface ValueType<T> {
  /** `boolean` settings may be given as a bare flag (`--x` means `--x=true`). */
  readonly kind: 'boolean' | 'value';
  /** Short description of the accepted values, for the reference table. */
  readonly summary: string;
  parse(raw: unknown, context: ParseContext): Parsed<T>;
}

/** Longest raw string we look at: configuration values are short, and every input is bounded. */
export const MAX_VALUE_LENGTH = 4096;

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const fail = (expected: string): Parsed<never> => ({ ok: false, expected });

/** A string no longer than MAX_VALUE_LENGTH, or the reason it is not one. */
function text(raw: unknown): Parsed<string> {
  if (typeof raw !== 'string') return fail('must be a string (quote it in YAML)');
  if (raw.length > MAX_VALUE_LENGTH) return fail(`must be at most ${MAX_VALUE_LENGTH} characters`);
  return ok(raw);
}

function then<T>(raw: unknown, next: (value: string) => Parsed<T>): Parsed<T> {
  const parsed = text(raw);
  return parsed.ok ? next(parsed.value) : parsed;
}

/** An integer in `[min, max]`; YAML numbers and decimal strings are both accepted. */
export function integer(options: { min: number; max: number; unit?: string }): ValueType<number> {
  const { min, max, unit } = options;
  const expected = `must be an integer between ${min} and ${max}${unit === undefined ? '' : ` (${unit})`}`;
  return {
    kind: 'value',
    summary: `integer ${min}–${max}${unit === undefined ? '' : ` ${unit}`}`,
    parse(raw) {
      let value: number;
      if (typeof raw === 'number') value = raw;
      // Strict: no "1e3", "0x10", " 8080" or "8080abc", all of which Number() or parseInt() accept.
      else if (typeof raw === 'string' && /^-?[0-9]{1,15}$/.test(raw)) value = Number(raw);
      else return fail(expected);
      return Number.isSafeInteger(value) && value >= min && value <= max ? ok(value) : fail(expected);
    },
  };
}

/** `true` or `false` (YAML booleans, or those exact strings). */
export function boolean(): ValueType<boolean> {
  return {
    kind: 'boolean',
    summary: '`true` or `false`',
    parse(raw) {
      if (typeof raw === 'boolean') return ok(raw);
      if (raw === 'true' || raw === 'false') return ok(raw === 'true');
      return fail('must be true or false');
    },
  };
}

/** One of a closed list of strings. */
export function oneOf<const V extends string>(values: readonly V[]): ValueType<V> {
  const expected = `must be one of ${values.join(', ')}`;
  return {
    kind: 'value',
    summary: values.map((v) => `\`${v}\``).join(', '),
    parse: (raw) => (typeof raw === 'string' && (values as readonly string[]).includes(raw) ? ok(raw as V) : fail(expected)),
  };
}

/** An IANA time zone name (`UTC`, `Europe/Paris`), as `Intl` knows it. */
export function timeZone(): ValueType<string> {
  const expected = 'must be an IANA time zone name such as UTC or Europe/Paris';
  return {
    kind: 'value',
    summary: 'IANA time zone name',
    parse: (raw) =>
      then(raw, (value) => {
        try {
          return ok(new Intl.DateTimeFormat('en-US', { timeZone: value }).resolvedOptions().timeZone);
        } catch {
          return fail(expected);
        }
      }),
  };
}

// RFC 1123 §2.1 host name: dot-separated labels of letters, digits and inner hyphens.
const HOST_NAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/** An interface to bind: an IPv4/IPv6 address (no brackets) or a host name. */
export function hostAddress(): ValueType<string> {
  const expected = 'must be an IP address or a host name';
  return {
    kind: 'value',
    summary: 'IP address or host name',
    parse: (raw) => then(raw, (value) => (isIP(value) !== 0 || HOST_NAME.test(value) ? ok(value) : fail(expected))),
  };
}

/** A file-system path, resolved to an absolute path against the working directory. */
export function directoryPath(): ValueType<string> {
  return {
    kind: 'value',
    summary: 'path (relative to the working directory)',
    parse: (raw, { cwd }) =>
      then(raw, (value) =>
        value === '' || value.includes('\0') ? fail('must be a non-empty path') : ok(isAbsolute(value) ? resolve(value) : resolve(cwd, value)),
      ),
  };
}

/**
 * An absolute URL with one of the given schemes. The value is kept as written: these URLs carry
 * credentials and driver options that a re-serialisation could alter.
 */
export function urlWithScheme(schemes: readonly string[]): ValueType<string> {
  const names = schemes.map((s) => `${s}://`);
  const expected = `must be a URL starting with ${names.join(' or ')}`;
  return {
    kind: 'value',
    summary: `${names.map((n) => `\`${n}...\``).join(' or ')} URL`,
    parse: (raw) =>
      then(raw, (value) => {
        if (!URL.canParse(value)) return fail(expected);
        return schemes.includes(new URL(value).protocol.slice(0, -1)) ? ok(value) : fail(expected);
      }),
  };
}

/** Exactly `length` bytes, written in standard padded base64 (RFC 4648 §4), e.g. `openssl rand -base64 32`. */
export function base64Bytes(length: number): ValueType<Buffer> {
  const expected = `must be exactly ${length} bytes in standard base64 (RFC 4648 §4), e.g. the output of \`openssl rand -base64 ${length}\``;
  return {
    kind: 'value',
    summary: `base64 of ${length} bytes`,
    parse: (raw) =>
      then(raw, (value) => {
        // Buffer.from(_, 'base64') silently skips invalid characters; check the alphabet first.
        if (value.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(value)) return fail(expected);
        const bytes = Buffer.from(value, 'base64');
        return bytes.length === length && bytes.toString('base64') === value ? ok(bytes) : fail(expected);
      }),
  };
}

/**
 * A bearer token an operator chooses: RFC 6750 §2.1 `b64token` characters, so it can be sent in an
 * `Authorization: Bearer` header as is, and long enough to resist guessing.
 */
export function bearerToken(options: { minLength: number; maxLength: number }): ValueType<string> {
  const { minLength, maxLength } = options;
  const expected = `must be ${minLength} to ${maxLength} characters of A-Z a-z 0-9 - . _ ~ + / (then optional trailing =), per RFC 6750 §2.1`;
  return {
    kind: 'value',
    summary: `token, ${minLength}–${maxLength} characters`,
    parse: (raw) =>
      then(raw, (value) =>
        value.length >= minLength && value.length <= maxLength && /^[A-Za-z0-9\-._~+/]+=*$/.test(value) ? ok(value) : fail(expected),
      ),
  };
}

/** True for an IPv4/IPv6 address, or a CIDR block `address/prefix` with a prefix that fits it. */
export function isIpOrCidr(value: string): boolean {
  const slash = value.indexOf('/');
  if (slash === -1) return isIP(value) !== 0;
  const version = isIP(value.slice(0, slash));
  const prefix = value.slice(slash + 1);
  if (version === 0 || !/^[0-9]{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (version === 4 ? 32 : 128);
}

/**
 * A list, given as a YAML sequence of strings or as one comma-separated string (environment, flags).
 * Entries are trimmed; an empty string is the empty list.
 */
export function list(item: { singular: string; plural: string; test: (value: string) => boolean }): ValueType<readonly string[]> {
  const expected = (detail: string) => `must be a comma-separated list of ${item.plural} (${detail})`;
  return {
    kind: 'value',
    summary: `comma-separated ${item.plural}`,
    parse(raw) {
      let entries: unknown[];
      if (Array.isArray(raw)) entries = raw;
      else if (typeof raw === 'string' && raw.length <= MAX_VALUE_LENGTH) entries = raw.trim() === '' ? [] : raw.split(',');
      else return fail(expected('a string or a YAML list'));
      const values: string[] = [];
      for (const [index, entry] of entries.entries()) {
        const value = typeof entry === 'string' ? entry.trim() : undefined;
        if (value === undefined || !item.test(value)) return fail(expected(`entry ${index + 1} is not ${item.singular}`));
        values.push(value);
      }
      return ok(values);
    },
  };
}

/** An HTTP header name (RFC 9110 §5.1 token), lower-cased as Node presents header names. */
export function headerName(): ValueType<string> {
  return {
    kind: 'value',
    summary: 'HTTP header name',
    parse: (raw) => then(raw, (value) => (/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/.test(value) ? ok(value.toLowerCase()) : fail('must be an HTTP header name'))),
  };
}

/** RFC 5424 §6.2.4 HOSTNAME: 1 to 255 printable US-ASCII characters, no space (`PRINTUSASCII`). */
export function syslogHostname(): ValueType<string> {
  const expected = 'must be 1 to 255 printable US-ASCII characters without spaces (RFC 5424 §6.2.4)';
  return {
    kind: 'value',
    summary: 'RFC 5424 HOSTNAME',
    parse: (raw) => then(raw, (value) => (/^[\x21-\x7e]{1,255}$/.test(value) ? ok(value) : fail(expected))),
  };
}

/** A Redis key prefix: 1 to 64 characters of letters, digits and `:_.-`, ending in `:` (so keys read `<prefix>replay:...`). */
export function redisKeyPrefix(): ValueType<string> {
  return {
    kind: 'value',
    summary: 'Redis key prefix ending in `:`',
    parse: (raw) => then(raw, (value) => (/^[A-Za-z0-9:_.-]{0,63}:$/.test(value) ? ok(value) : fail('must be 1 to 64 letters, digits or `:_.-`, ending in `:`'))),
  };
}
