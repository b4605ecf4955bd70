import type { ActorClaim } from '@agentauth/protocol';
import type { TokenChain, TokenChainNode } from './wire/token.js';
import type { IssuedTokenRecord } from '../store/records.js';
import type { AuditStore } from '../store/ports/audit-store.js';
import type { TokenStore } from '../store/ports/token-store.js';
import { issuanceDetails } from '../tokens/issuance-details.js';
import { descendantsOf } from '../oauth/exchange/cascade-revocation.js';
import { LINEAGE_WALK_LIMIT } from '../oauth/exchange/lineage-activity.js';
import type { TokenLineageStore } from '../store/ports/token-lineage-store.js';

/** Most descendants one chain view lists. */
export const CHAIN_VIEW_LIMIT = 200;

export interface TokenChainDeps {
  store: Pick<TokenStore, 'getIssuedToken' | 'isTokenRevoked'> & Pick<AuditStore, 'queryAudit'>;
  lineage: TokenLineageStore;
}

/**
 * The lineage of a token we issued: its ancestors up to the root token, itself,
 * and the tokens exchanged from it, each with its agents, scope, audience, expiry and whether it is
 * revoked by `jti` (an agent suspension shows on the agent, not here). Undefined for an unknown
 * `jti` (never issued, or pruned after expiry).
 */
export async function buildTokenChain(deps: TokenChainDeps, jti: string): Promise<TokenChain | undefined> {
  const self = await deps.store.getIssuedToken(jti);
  if (self === undefined) return undefined;
  const ancestors: IssuedTokenRecord[] = [];
  for (let parent = self.parentJti; parent !== null && ancestors.length < LINEAGE_WALK_LIMIT; ) {
    const record = await deps.store.getIssuedToken(parent);
    if (record === undefined) break;
    ancestors.unshift(record);
    parent = record.parentJti;
  }
  const below = await descendantsOf(deps.lineage, [jti], CHAIN_VIEW_LIMIT);
  const details = await issuanceDetails(deps.store, [...ancestors, self, ...below.tokens]);
  const view = (record: IssuedTokenRecord) => nodeOf(deps.store, record, details.get(record.jti));
  return {
    jti,
    ancestors: await Promise.all(ancestors.map(view)),
    token: await view(self),
    descendants: await Promise.all(below.tokens.map(view)),
    truncated: below.truncated,
  };
}

async function nodeOf(store: TokenChainDeps['store'], record: IssuedTokenRecord, details: Record<string, unknown> | undefined): Promise<TokenChainNode> {
  const aud = details?.['aud'];
  const scope = details?.['scope'];
  const act = details?.['act'];
  const taskId = details?.['task_id'];
  return {
    jti: record.jti,
    parent_jti: record.parentJti,
    sub: record.agentId,
    client_id: record.clientId,
    issued_at: new Date(record.issuedAt).toISOString(),
    expires_at: new Date(record.expiresAt).toISOString(),
    revoked: await store.isTokenRevoked(record.jti),
    scope: typeof scope === 'string' ? scope : null,
    aud: Array.isArray(aud) ? aud.filter((a): a is string => typeof a === 'string') : null,
    act: typeof act === 'object' && act !== null ? (act as ActorClaim) : null,
    task_id: typeof taskId === 'string' ? taskId : null,
  };
}
