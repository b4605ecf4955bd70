import type { AgentToken, TokenBinding } from './wire/token.js';
import type { AgentStanding, IssuedTokenRecord } from '../store/records.js';
import type { AgentStore } from '../store/ports/agent-store.js';
import type { AuditStore } from '../store/ports/audit-store.js';
import type { Page, PageRequest } from '../store/ports/page.js';
import type { TokenStore } from '../store/ports/token-store.js';
import { issuanceDetails } from '../tokens/issuance-details.js';
import { standingFault } from '../agents/agent-standing.js';

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
export async function listAgentTokens(deps: AgentTokensDeps, agentId: string, now: number, page: PageRequest): Promise<Page<AgentToken> | undefined> {
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
        return standingFault(holder, record.issuedAt) !== undefined;
      };
      const revoked = (await deps.store.isTokenRevoked(record.jti)) || (await killed(record.agentId)) || (await killed(record.clientId));
      return tokenJson(record, revoked, details.get(record.jti));
    }),
  );
  return records.next === undefined ? { items } : { items, next: records.next };
}

function tokenJson(record: IssuedTokenRecord, revoked: boolean, details: Record<string, unknown> | undefined): AgentToken {
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
