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
