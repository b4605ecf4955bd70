import { Type, type Static } from 'typebox';
import { AGENT_STATUSES } from './agent.js';
import { Enum, NullableTime, Page, pagination, Time } from './primitives.js';

/**
 * The least-privilege report on the admin API's wire (docs/least-privilege.md): an agent's grant
 * against what it obtained in a window of the audit log, and the narrower grant suggested.
 */

/** Longest `since` accepted: a year of the audit log. */
export const MAX_SINCE_DAYS = 365;
/** `since` when none is given. */
export const DEFAULT_SINCE = '30d';

/** `since`: a number of days, `1d` to `365d`; the handler checks the range and names the rule. */
const since = Type.Optional(Type.String({ minLength: 2, maxLength: 8, default: DEFAULT_SINCE, description: `the window: the last N days, 1d to ${MAX_SINCE_DAYS}d (default ${DEFAULT_SINCE})` }));

/** `GET /agents/{id}/report` query. */
export const AgentReportQuery = Type.Object({ since }, { additionalProperties: false });
export type AgentReportQuery = Static<typeof AgentReportQuery>;

/** `GET /reports/least-privilege` query: one page of agents, by id. */
export const LeastPrivilegeQuery = Type.Object({ since, ...pagination }, { additionalProperties: false });
export type LeastPrivilegeQuery = Static<typeof LeastPrivilegeQuery>;

const Strings = Type.Array(Type.String());

/** Scopes, resources (RFC 8707) and grant types. */
export const GrantSet = Type.Object({ scopes: Strings, resources: Strings, grant_types: Strings });
export type GrantSet = Static<typeof GrantSet>;

/** One agent's report. */
export const LeastPrivilegeReport = Type.Object(
  {
    agent_id: Type.String(),
    name: Type.String(),
    owner: Type.String(),
    status: Enum(AGENT_STATUSES),
    created_at: Time,
    // The window: [from, to), `since` as asked.
    window: Type.Object({ since: Type.String(), from: Time, to: Time }),
    granted: GrantSet,
    used: Type.Object({
      scopes: Strings,
      resources: Strings,
      grant_types: Strings,
      tokens: Type.Integer({ minimum: 0 }),
      certificates: Type.Integer({ minimum: 0 }),
      source_addresses: Type.Integer({ minimum: 0 }),
    }),
    // Granted and not used in the window: removable.
    unused: GrantSet,
    // Granted and used: never wider than granted.
    suggested: GrantSet,
    unused_privileged_scopes: Strings,
    // The latest successful token or certificate, at any age.
    last_seen_at: NullableTime,
    stale: Type.Boolean(),
  },
  { description: 'An agent\'s grant against what it obtained in the window (docs/least-privilege.md).' },
);
export type LeastPrivilegeReport = Static<typeof LeastPrivilegeReport>;

/** `GET /reports/least-privilege` answer. */
export const LeastPrivilegeReportPage = Page(LeastPrivilegeReport);
export type LeastPrivilegeReportPage = Static<typeof LeastPrivilegeReportPage>;
