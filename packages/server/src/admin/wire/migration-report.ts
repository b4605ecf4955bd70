import { Type, type Static } from 'typebox';
import { DEFAULT_SINCE, MAX_SINCE_DAYS } from './least-privilege.js';
import { Enum, NullableString, NullableTime, Time } from './primitives.js';

/**
 * The migration progress report on the admin API's wire (docs/migration.md, "Progress report"):
 * calls made with keys against calls made with tokens, per agent and resource, and the keys that
 * need attention.
 */

/** `unused_days` when none is given. */
export const DEFAULT_UNUSED_DAYS = 30;

/** `GET /migration/report` query. */
export const MigrationReportQuery = Type.Object(
  {
    since: Type.Optional(Type.String({ minLength: 2, maxLength: 8, default: DEFAULT_SINCE, description: `the window: the last N days, 1d to ${MAX_SINCE_DAYS}d (default ${DEFAULT_SINCE})` })),
    unused_days: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_SINCE_DAYS, default: DEFAULT_UNUSED_DAYS, description: 'a live key not used for this many days is listed as unused' })),
    sunset: Type.Optional(Type.String({ format: 'date-time', description: 'the services\' Sunset date: live keys that outlive it are listed' })),
  },
  { additionalProperties: false },
);
export type MigrationReportQuery = Static<typeof MigrationReportQuery>;

const Count = Type.Integer({ minimum: 0 });
/** Share of calls made with a key, 0 to 1; null with no calls. */
const Share = Type.Union([Type.Number({ minimum: 0, maximum: 1 }), Type.Null()]);

/** Calls in one UTC day. */
export const MigrationDay = Type.Object({ day: Type.String({ description: 'YYYY-MM-DD, UTC' }), tokens: Count, managed_keys: Count, imported_keys: Count, key_share: Share });
export type MigrationDay = Static<typeof MigrationDay>;

/** One agent's calls at one resource. */
export const MigrationRow = Type.Object({
  agent_id: Type.String(),
  // Null when the record names no resource (a managed key introspected at /introspect).
  resource: NullableString,
  tokens: Count,
  managed_keys: Count,
  imported_keys: Count,
  key_share: Share,
  days: Type.Array(MigrationDay),
});
export type MigrationRow = Static<typeof MigrationRow>;

/** A key on one of the report's lists. */
export const MigrationKey = Type.Object({
  id: Type.String(),
  kind: Enum(['managed', 'imported'] as const),
  agent_id: Type.String(),
  owner: Type.String(),
  expires_at: Time,
  last_used_at: NullableTime,
});
export type MigrationKey = Static<typeof MigrationKey>;

/** `GET /migration/report` answer. */
export const MigrationReport = Type.Object(
  {
    window: Type.Object({ since: Type.String(), from: Time, to: Time }),
    unused_days: Count,
    sunset: NullableTime,
    totals: Type.Object({ tokens: Count, managed_keys: Count, imported_keys: Count, key_share: Share }),
    rows: Type.Array(MigrationRow),
    unused_keys: Type.Array(MigrationKey),
    keys_without_owner: Type.Array(MigrationKey),
    keys_past_sunset: Type.Array(MigrationKey),
    truncated: Type.Boolean(),
  },
  { description: 'Calls by keys against calls by tokens, per agent and resource, and the keys that need attention (docs/migration.md).' },
);
export type MigrationReport = Static<typeof MigrationReport>;
