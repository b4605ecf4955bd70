import type { IntrospectionCutover } from '@agentauth/protocol';

/** The dates a service tells callers of a credential it is retiring (docs/migration.md). */
export interface MigrationWindow {
  /** Since when the credential is deprecated here: the RFC 9745 `Deprecation` header. */
  deprecatedSince: Date;
  /** When it stops working here: the RFC 8594 `Sunset` header. */
  sunset: Date;
}

/**
 * The headers every answer to a key-authenticated request carries: `Deprecation: @<seconds>`
 * (RFC 9745 §2.1, an RFC 9651 Date) and `Sunset: <HTTP-date>` (RFC 8594 §3). Throws `TypeError`
 * for dates that are invalid or out of order, naming the option (`name`).
 */
export function migrationWindowHeaders(window: MigrationWindow, name: string): Readonly<Record<string, string>> {
  const valid = (date: unknown) => date instanceof Date && !Number.isNaN(date.getTime());
  if (!valid(window.deprecatedSince) || !valid(window.sunset)) throw new TypeError(`${name}.deprecatedSince and ${name}.sunset must be valid Dates`);
  if (window.sunset.getTime() < window.deprecatedSince.getTime()) throw new TypeError(`${name}.sunset must not precede ${name}.deprecatedSince`);
  return Object.freeze({ deprecation: `@${Math.floor(window.deprecatedSince.getTime() / 1000)}`, sunset: window.sunset.toUTCString() });
}

/**
 * The headers for a key the server says is in its cut-over's `warn` stage (docs/migration.md,
 * "Cutting keys off"): the rule's dates replace the service's own, `Deprecation: @<warn_from>`
 * (RFC 9745 §2) and, when a block date is set, `Sunset: <block date>` (RFC 8594 §3), the date the
 * key will be refused; with the rule's page, `Link: <page>; rel="deprecation"; type="text/html"`
 * (RFC 9745 §3, RFC 8288). Returns `headers` itself when there is no warning.
 */
export function cutoverHeaders(headers: Readonly<Record<string, string>>, cutover: IntrospectionCutover | undefined): Readonly<Record<string, string>> {
  if (cutover === undefined) return headers;
  return Object.freeze({
    ...headers,
    deprecation: `@${cutover.warn_from}`,
    ...(cutover.block_from === undefined ? {} : { sunset: new Date(cutover.block_from * 1000).toUTCString() }),
    ...(cutover.link === undefined ? {} : { link: `<${cutover.link}>; rel="deprecation"; type="text/html"` }),
  });
}
