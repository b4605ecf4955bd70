import type { AgentStanding, IssuedTokenRecord } from '../store/records.js';
import type { AgentStore } from '../store/ports/agent-store.js';
import type { AuditStore } from '../store/ports/audit-store.js';
import type { Page, PageRequest } from '../store/ports/page.js';
import type { TokenStore } from '../store/ports/token-store.js';
import { issuanceDetails } from '../tokens/issuance-details.js';

/** How a token is bound to its holder (RFC 9449 DPoP, RFC 8705 certificate), or not at all. */
export type TokenBinding = 'bearer' | 'dpop' | 'mtls';

/** One unexpired token of an agent as the admin API shows it (docs/admin-api.md, "Agent tokens"). */
export interface AgentTokenJson {
  jti: string;
  /** The subject agent. */
  sub: string;
  /** The agent that obtained it (differs from `sub` for a token obtained by exchange, RFC 8693). */
  client_id: string;
  parent_jti: string | null;
  issued_at: string;
  expires_at: string;
  /** Revoked by `jti`, or issued before its subject or client was suspended, disabled or deleted. */
  revoked: boolean;
  /** From the token's `access_token.issued` audit record; null when that record is not found. */
  scope: string | null;
  aud: string[] | null;
  binding: TokenBinding | null;
  /** The token's RFC 7800 `cnf`: `{ "jkt" }` (DPoP) or `{ "x5t#S256" }` (certificate); null when bearer or unknown. */
  cnf: Record<string, string> | null;
}

export interface AgentTokensDeps {
  store: Pick<TokenStore, 'listAgentTokens' | 'isTokenRevoked'> & Pick<AgentStore, 'getAgentStanding'> & Pick<AuditStore, 'queryAudit'>;
}

/**
 * The unexpired tokens on record that name the agent as subject or client, oldest first, with
 * what their issuance audit record says of them. Undefined when there is no such agent.
 *
 * `revoked` covers revocation by `jti` (which cascades to tokens exchanged from a revoked one) and
 * the agents' revocation epochs; it does NOT walk the exchange lineage as introspection does
 * (`agentauth tokens chain JTI` shows it).
 */
export async function listAgentTokens(deps: AgentTokensDeps, agentId: string, now: number, page: PageRequest): Promise<Page<AgentTokenJson> | undefined> {
  const agent = await deps.store.getAgentStanding(agentId);
  if (agent === undefined) return undefined;
  const records = await deps.store.listAgentTokens(agentId, now, page);
  const details = await issuanceDetails(deps.store, records.items);
  const standings = new Map<string, Promise<AgentStanding | undefined>>([[agentId, Promise.resolve(agent)]]);
  const standing = (id: string) => {
    let pending = standings.get(id);
    if (pending === undefined) standings.set(id, (pending = deps.store.getAgentStanding(id)));
    return pending;
  };
  const items = await Promise.all(
    records.items.map(async (record) => {
      const killed = async (id: string) => {
        const holder = await standing(id);
        return holder === undefined || (holder.revokedBefore !== null && record.issuedAt < holder.revokedBefore);
      };
      const revoked = (await deps.store.isTokenRevoked(record.jti)) || (await killed(record.agentId)) || (await killed(record.clientId));
      return tokenJson(record, revoked, details.get(record.jti));
    }),
  );
  return records.next === undefined ? { items } : { items, next: records.next };
}

function tokenJson(record: IssuedTokenRecord, revoked: boolean, details: Record<string, unknown> | undefined): AgentTokenJson {
  const scope = details?.['scope'];
  const aud = details?.['aud'];
  const jkt = details?.['dpop_jkt'];
  const x5t = details?.['x5t#S256'];
  let binding: TokenBinding | null = null;
  let cnf: Record<string, string> | null = null;
  if (typeof jkt === 'string') [binding, cnf] = ['dpop', { jkt }];
  else if (typeof x5t === 'string') [binding, cnf] = ['mtls', { 'x5t#S256': x5t }];
  else if (details !== undefined) binding = 'bearer';
  return {
    jti: record.jti,
    sub: record.agentId,
    client_id: record.clientId,
    parent_jti: record.parentJti,
    issued_at: new Date(record.issuedAt).toISOString(),
    expires_at: new Date(record.expiresAt).toISOString(),
    revoked,
    scope: typeof scope === 'string' ? scope : null,
    aud: Array.isArray(aud) ? aud.filter((a): a is string => typeof a === 'string') : null,
    binding,
    cnf,
  };
}
