/**
 * What agents did with their grants, read from the audit log in aggregate: the basis of the
 * least-privilege report (docs/least-privilege.md). Only successful issuance counts as use:
 * `access_token.issued` and `certificate.issued` records whose `agent_id` is the agent (for a
 * token exchange, the acting client).
 */

/** A half-open window of audit time, epoch ms: `from` inclusive, `to` exclusive. */
export interface UsageWindow {
  from: number;
  to: number;
}

/**
 * One group of an agent's issuance records in a window: every record with the same event, actor,
 * grant type, scope and audience, counted once. Scope and audience are as the records hold them
 * (space-separated; a JSON array of strings), so splitting them is the caller's.
 */
export interface AgentUsageGroup {
  agentId: string;
  event: 'access_token.issued' | 'certificate.issued';
  /** Who asked: `agent:<id>` for the agent itself, `admin:...` or `system` for a certificate made for it. */
  actor: string | null;
  /** Token records only. */
  grantType: string | null;
  scope: string | null;
  /** JSON text of the `aud` array, or null. */
  audience: string | null;
  count: number;
  /** The latest record's time in the group, epoch ms. */
  lastAt: number;
}

/** One agent's issuance over a window, in aggregate. */
export interface AgentUsage {
  groups: AgentUsageGroup[];
  /** Distinct source addresses of those records. */
  sourceAddresses: number;
}

/** Aggregates of the audit log per agent, never the records themselves. */
export interface AgentUsageStore {
  /**
   * The issuance groups of each of `agentIds` (at most 500) within `window`, one SQL aggregation
   * over the audit log's (agent, event, time) index. Agents with no issuance in the window are
   * absent from the map.
   */
  summarizeAgentUsage(agentIds: readonly string[], window: UsageWindow): Promise<Map<string, AgentUsage>>;
  /**
   * The time of each agent's latest successful token or certificate issuance before `before`
   * (epoch ms), at any age. Agents never seen are absent.
   */
  lastAgentIssuance(agentIds: readonly string[], before: number): Promise<Map<string, number>>;
}
