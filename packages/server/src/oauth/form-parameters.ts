import { invalidRequest, type OAuthError } from './oauth-error.js';

/** Parameters that RFC 8707 §2 and RFC 8693 §2.1 allow more than once. */
const REPEATABLE = new Set(['resource', 'audience']);

/** Longest value we accept for any single parameter (assertions are bounded separately). */
const MAX_PARAMETER_LENGTH = 16 * 1024;
const MAX_PARAMETERS = 32;

/**
 * An `application/x-www-form-urlencoded` request body, parsed strictly.
 *
 * RFC 6749 §3.1 / §3.2: "Request and response parameters MUST NOT be included more than once"
 * and "Parameters sent without a value MUST be treated as if they were omitted".
 */
export class FormParameters {
  private constructor(private readonly values: ReadonlyMap<string, readonly string[]>) {}

  /** Parses a body; a repeated non-repeatable parameter is `invalid_request`. */
  static parse(body: string): FormParameters | OAuthError {
    const values = new Map<string, string[]>();
    let count = 0;
    for (const [name, value] of new URLSearchParams(body)) {
      if (++count > MAX_PARAMETERS) return invalidRequest('too many form parameters');
      if (value.length > MAX_PARAMETER_LENGTH) return invalidRequest(`parameter ${printable(name)} is too long`);
      if (value === '') continue;
      const existing = values.get(name);
      if (existing === undefined) values.set(name, [value]);
      else if (REPEATABLE.has(name)) existing.push(value);
      else return invalidRequest(`parameter ${printable(name)} is repeated`);
    }
    return new FormParameters(values);
  }

  /** The single value of a parameter, or undefined when absent. */
  get(name: string): string | undefined {
    return this.values.get(name)?.[0];
  }

  /** Every value of a repeatable parameter, in order. */
  getAll(name: string): readonly string[] {
    return this.values.get(name) ?? [];
  }

  has(name: string): boolean {
    return this.values.has(name);
  }
}

/** Parameter names are attacker-controlled: keep what reaches the log short and plain. */
function printable(name: string): string {
  return JSON.stringify(name.slice(0, 40));
}
