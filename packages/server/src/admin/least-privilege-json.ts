import type { GrantSet as DomainGrantSet, LeastPrivilegeReport as DomainReport } from '../agents/least-privilege-report.js';
import type { UsageWindow } from '../store/ports/agent-usage-store.js';
import { AdminProblem } from './problem.js';
import { rfc3339, rfc3339OrNull } from './wire/primitives.js';
import { MAX_SINCE_DAYS, type GrantSet, type LeastPrivilegeReport } from './wire/least-privilege.js';

const DAY_MS = 86_400_000;

/**
 * The window `since` names, ending at `now`: `Nd`, the last N days, N from 1 to
 * {@link MAX_SINCE_DAYS}. Anything else is `validation_failed`, naming the rule: the window is
 * bounded so the report's aggregation is.
 */
export function reportWindow(since: string, now: number): UsageWindow {
  const match = /^([1-9][0-9]{0,2})d$/.exec(since);
  const days = match === null ? Number.NaN : Number(match[1]);
  if (!(days <= MAX_SINCE_DAYS)) throw new AdminProblem('validation_failed', `querystring/since must be a number of days from 1d to ${MAX_SINCE_DAYS}d, such as 30d`);
  return { from: now - days * DAY_MS, to: now };
}

/** A report as the admin API shows it. */
export function reportToJson(report: DomainReport, since: string): LeastPrivilegeReport {
  return {
    agent_id: report.agent.id,
    name: report.agent.name,
    owner: report.agent.owner,
    status: report.agent.status,
    created_at: rfc3339(report.agent.createdAt),
    window: { since, from: rfc3339(report.window.from), to: rfc3339(report.window.to) },
    granted: grantJson(report.granted),
    used: { ...grantJson(report.used), tokens: report.used.tokens, certificates: report.used.certificates, source_addresses: report.used.sourceAddresses },
    unused: grantJson(report.unused),
    suggested: grantJson(report.suggested),
    unused_privileged_scopes: report.unusedPrivilegedScopes,
    last_seen_at: rfc3339OrNull(report.lastSeenAt),
    stale: report.stale,
  };
}

function grantJson(grant: DomainGrantSet): GrantSet {
  return { scopes: grant.scopes, resources: grant.resources, grant_types: grant.grantTypes };
}
