import { isPrivilegedScope, parseScope, SCOPE_CERT } from '@agentauth/protocol';
import type { AgentRecord } from '../store/records.js';
import type { AgentUsage, AgentUsageStore, UsageWindow } from '../store/ports/agent-usage-store.js';

/** Scopes, resources and grant types: what an agent is granted, used, may drop, or should keep. */
export interface GrantSet {
  scopes: string[];
  resources: string[];
  grantTypes: string[];
}

/** What an agent used in a window, besides the grant it exercised. */
export interface UsedGrant extends GrantSet {
  /** `access_token.issued` records. */
  tokens: number;
  /** `certificate.issued` records (whoever asked). */
  certificates: number;
  /** Distinct source addresses of those records. */
  sourceAddresses: number;
}

/**
 * One agent's least-privilege report (docs/least-privilege.md): its grant against what it
 * obtained in the window, and the narrower grant that would still have served it.
 */
export interface LeastPrivilegeReport {
  agent: Pick<AgentRecord, 'id' | 'name' | 'owner' | 'status' | 'createdAt'>;
  window: UsageWindow;
  granted: GrantSet;
  used: UsedGrant;
  /** Granted and not used: removable. */
  unused: GrantSet;
  /** Granted and used: never wider than `granted`. */
  suggested: GrantSet;
  /** The `agentauth:*` scopes among `unused.scopes`: the removals that matter most. */
  unusedPrivilegedScopes: string[];
  /** The latest successful token or certificate issuance, at any age; null when never. */
  lastSeenAt: number | null;
  /** No token or certificate in the window, and registered before it began. */
  stale: boolean;
}

/**
 * The reports of `agents` over `window`, in their order: two aggregations over the audit log for
 * the whole list (the store bounds it), one more for the agents idle in the window.
 */
export async function leastPrivilegeReports(
  store: AgentUsageStore,
  agents: readonly AgentRecord[],
  window: UsageWindow,
  issuer: string,
): Promise<LeastPrivilegeReport[]> {
  const ids = agents.map((agent) => agent.id);
  const usage = await store.summarizeAgentUsage(ids, window);
  const idle = ids.filter((id) => !usage.has(id));
  const lastBefore = await store.lastAgentIssuance(idle, window.from);
  return agents.map((agent) => reportOf(agent, usage.get(agent.id), lastBefore.get(agent.id), window, issuer));
}

/**
 * One report from the aggregates. Use is what the agent itself obtained (`agent_id` of the record;
 * for a token exchange, the acting client): a token in which it is only the subject of another
 * agent's exchange is the other agent's use, and cannot carry more than a token this agent obtained
 * earlier (RFC 8693 attenuation), which counts already. A token's audience that is the issuer is
 * implied by the privileged scopes, never a registered resource, so it is not counted as one.
 */
export function reportOf(agent: AgentRecord, usage: AgentUsage | undefined, lastBefore: number | undefined, window: UsageWindow, issuer: string): LeastPrivilegeReport {
  const scopes = new Set<string>();
  const resources = new Set<string>();
  const grantTypes = new Set<string>();
  let tokens = 0;
  let certificates = 0;
  let lastInWindow: number | undefined;
  for (const group of usage?.groups ?? []) {
    lastInWindow = Math.max(lastInWindow ?? group.lastAt, group.lastAt);
    if (group.event === 'certificate.issued') {
      certificates += group.count;
      // Asking for one's own certificate is what agentauth:cert grants.
      if (group.actor === `agent:${agent.id}`) scopes.add(SCOPE_CERT);
      continue;
    }
    tokens += group.count;
    if (group.grantType !== null) grantTypes.add(group.grantType);
    for (const scope of parseScope(group.scope ?? '') ?? []) scopes.add(scope);
    for (const audience of audiences(group.audience)) if (audience !== issuer) resources.add(audience);
  }
  const granted: GrantSet = { scopes: [...agent.scopes], resources: [...agent.resources], grantTypes: [...agent.grantTypes] };
  const used = { scopes: sorted(scopes), resources: sorted(resources), grantTypes: sorted(grantTypes) };
  const suggested = split(granted, used, true);
  const unused = split(granted, used, false);
  const active = tokens + certificates > 0;
  return {
    agent: { id: agent.id, name: agent.name, owner: agent.owner, status: agent.status, createdAt: agent.createdAt },
    window,
    granted,
    used: { ...used, tokens, certificates, sourceAddresses: usage?.sourceAddresses ?? 0 },
    unused,
    suggested,
    unusedPrivilegedScopes: unused.scopes.filter(isPrivilegedScope),
    lastSeenAt: lastInWindow ?? lastBefore ?? null,
    // An agent registered inside the window has not had the whole window to be used.
    stale: !active && agent.createdAt < window.from,
  };
}

/** The members of each granted list that were used (`keep`) or not, in the grant's order. */
function split(granted: GrantSet, used: GrantSet, keep: boolean): GrantSet {
  const pick = (all: string[], seen: string[]) => all.filter((item) => seen.includes(item) === keep);
  return { scopes: pick(granted.scopes, used.scopes), resources: pick(granted.resources, used.resources), grantTypes: pick(granted.grantTypes, used.grantTypes) };
}

/** The `aud` of a token's record (a JSON array of strings); anything else contributes nothing. */
function audiences(json: string | null): string[] {
  if (json === null) return [];
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return [];
  }
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

function sorted(values: Set<string>): string[] {
  return [...values].sort();
}
