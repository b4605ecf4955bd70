import { Type, type Static } from 'typebox';
import type { TokenStats as DomainStats } from '../../token-stats/token-stats.js';
import { rfc3339, StringEnum, StringMap, Time } from './primitives.js';

/**
 * Token issuance and refusals over time on the admin API's wire (docs/admin-api.md, "Token
 * statistics"): what the console's overview charts.
 */

/** `since` when none is given. */
export const DEFAULT_STATS_SINCE = '24h';
/** The longest window: a week, so an hourly answer has at most 168 buckets. */
export const MAX_STATS_HOURS = 168;

/** `GET /stats/tokens` query. */
export const TokenStatsQuery = Type.Object(
  {
    since: Type.Optional(Type.String({ minLength: 2, maxLength: 4, default: DEFAULT_STATS_SINCE, description: `the window: the last N hours (1h to ${MAX_STATS_HOURS}h) or days (1d to 7d); default ${DEFAULT_STATS_SINCE}` })),
    bucket: Type.Optional(StringEnum(['hour', 'day'] as const, { default: 'hour', description: 'the width of one bucket, aligned to UTC' })),
  },
  { additionalProperties: false },
);
export type TokenStatsQuery = Static<typeof TokenStatsQuery>;

const Count = Type.Integer({ minimum: 0 });
const Reasons = StringMap(Count, { description: 'refusals by the OAuth error code their reason starts with (invalid_client, invalid_scope, access_denied, …); `other` when none' });

/** One bucket. */
export const TokenStatsBucket = Type.Object({ start: Time, issued: Count, refused: Count, reasons: Reasons });
export type TokenStatsBucket = Static<typeof TokenStatsBucket>;

/** `GET /stats/tokens` answer. */
export const TokenStats = Type.Object(
  {
    window: Type.Object({ since: Type.String(), from: Time, to: Time }),
    bucket: StringEnum(['hour', 'day'] as const),
    buckets: Type.Array(TokenStatsBucket),
    totals: Type.Object({ issued: Count, refused: Count, reasons: Reasons }),
    truncated: Type.Boolean({ description: 'the scan stopped at its bound of audit records: the counts are a lower bound' }),
  },
  { description: 'Access tokens issued and token requests refused, per hour or day, the refusals by reason (docs/admin-api.md, "Token statistics").' },
);
export type TokenStats = Static<typeof TokenStats>;

/** The statistics as the admin API shows them. */
export function tokenStatsToJson(stats: DomainStats, since: string): TokenStats {
  return {
    window: { since, from: rfc3339(stats.window.from), to: rfc3339(stats.window.to) },
    bucket: stats.bucket,
    buckets: stats.buckets.map((b) => ({ start: rfc3339(b.start), issued: b.issued, refused: b.refused, reasons: b.reasons })),
    totals: stats.totals,
    truncated: stats.truncated,
  };
}
