import { API_KEY_PREFIX, TOKEN_TYPE_API_KEY } from '@agentauth/protocol';
import { standingFault } from '../agents/agent-standing.js';
import type { KeyIntrospection } from '../oauth/endpoints/introspection-endpoint.js';
import type { AgentStore } from '../store/ports/agent-store.js';
import type { ApiKeyStore } from '../store/ports/api-key-store.js';
import type { KeyCutoverGate } from '../key-cutover/key-cutover-gate.js';
import { cutoverMember } from '../key-cutover/cutover-member.js';
import { verifyApiKey } from './verify-api-key.js';

/** What key introspection needs. */
export interface ApiKeyIntrospectionDeps {
  issuer: string;
  store: Pick<ApiKeyStore, 'findApiKeyByHash' | 'recordApiKeyUse'> & Pick<AgentStore, 'getAgentStanding'>;
  /** The staged cut-over (docs/migration.md, "Cutting keys off"). */
  cutover?: Pick<KeyCutoverGate, 'check'>;
}

/**
 * RFC 7662 introspection of a managed API key, for services that accept keys directly during a
 * migration window (docs/migration.md). Only strings with the key prefix are taken here; the
 * verification is the one of `verifyApiKey`, then the agent's standing. An active key answers its
 * agent as `sub` and `client_id`, its scopes, resources (`aud`) and expiry, with `token_type`
 * the key's RFC 8693 token type URI so a service can never take it for an access token. Each
 * active answer counts as a use of the key; the source address is the service's, so none is kept.
 * The key's cut-over decides last, for the `resource`s the service names (all of the key's when
 * none): a blocked key is inactive, a warned one active with a `cutover` member.
 */
export function apiKeyIntrospection(deps: ApiKeyIntrospectionDeps): KeyIntrospection {
  return async (token, now, request) => {
    if (!token.startsWith(API_KEY_PREFIX)) return undefined;
    const verdict = await verifyApiKey(deps.store, token, now);
    if (!verdict.ok) return { body: { active: false }, reason: verdict.reason, details: verdict.record === undefined ? {} : { managed_key_id: verdict.record.id } };
    const { record } = verdict;
    const fault = standingFault(await deps.store.getAgentStanding(record.agentId));
    const details = { managed_key_id: record.id, token_agent_id: record.agentId };
    if (fault !== undefined) return { body: { active: false }, reason: `the agent of API key ${record.id} ${fault}`, details };
    const named = request.resources.filter((resource) => record.resources.includes(resource));
    const cutover = await deps.cutover?.check(
      { keyId: record.id, kind: 'managed', agentId: record.agentId, owner: record.owner, resources: named.length > 0 ? named : record.resources, via: 'introspection', actor: `agent:${request.callerId}`, sourceIp: request.sourceIp, requestId: request.requestId },
      now,
    );
    if (cutover?.stage === 'block') return { body: { active: false }, reason: `API key ${record.id} is blocked by cut-over rule ${cutover.rule.id}`, details };
    await deps.store.recordApiKeyUse(record.id, now, null, 1);
    const body = {
      active: true,
      iss: deps.issuer,
      sub: record.agentId,
      client_id: record.agentId,
      aud: [...record.resources],
      exp: Math.floor(record.expiresAt / 1000),
      iat: Math.floor(record.createdAt / 1000),
      token_type: TOKEN_TYPE_API_KEY,
      key_id: record.id,
      ...(record.scopes.length > 0 ? { scope: record.scopes.join(' ') } : {}),
      ...(cutover?.stage === 'warn' ? { cutover: cutoverMember(cutover.rule) } : {}),
    };
    return { body, reason: 'active API key', details };
  };
}
