import { TOKEN_TYPE_API_KEY } from '@agentauth/protocol';
import { standingFault } from '../agents/agent-standing.js';
import type { Clock } from '../clock.js';
import { ClientAuthenticationError, type ApiKeyLogin } from '../oauth/client-auth/authenticate-client.js';
import type { SubjectTokenValidator } from '../oauth/exchange/subject-token-validator.js';
import { OAuthError } from '../oauth/oauth-error.js';
import type { ApiKeyStore } from '../store/ports/api-key-store.js';
import type { KeyCutoverGate } from '../key-cutover/key-cutover-gate.js';
import { verifyApiKey } from './verify-api-key.js';

/** Distinct source addresses kept per key: enough to see where a key is used, bounded. */
export const MAX_KEY_SOURCE_ADDRESSES = 16;

/** One fixed public description: a refused key never says why (ARCHITECTURE.md, Errors). */
const REFUSED = 'the subject_token is not a valid API key';

function refused(detail: string, agentId: string | undefined): ClientAuthenticationError {
  // RFC 8693 §2.2.2: an invalid subject_token is `invalid_request`.
  return new ClientAuthenticationError(new OAuthError('invalid_request', 400, REFUSED, `api key: ${detail}`), agentId);
}

/** What the exchange of managed keys needs. */
export interface ApiKeyExchangeDeps {
  /** Our issuer: the key's agent is the subject as if of one of our tokens, so no `act` is added. */
  issuer: string;
  clock: Clock;
  store: Pick<ApiKeyStore, 'findApiKeyByHash' | 'recordApiKeyUse'>;
  /** The staged cut-over (docs/migration.md, "Cutting keys off"): a blocked key is refused here too. */
  cutover?: Pick<KeyCutoverGate, 'check'>;
}

/**
 * Keys become tokens (docs/migration.md): a legacy script presents its managed key once, as an
 * RFC 8693 `subject_token` of type `urn:agentauth:params:oauth:token-type:api-key`, and receives a
 * short-lived access token of the key's agent, decided by the grant's attenuation and the policy
 * layer like any other token. The key authenticates its agent (no client credentials); the use is
 * counted with its source address. A key presented by another authenticated client is refused: a
 * key is its agent's alone and never a delegation credential. A key its cut-over blocks is refused
 * like an invalid one; a warned key is exchanged, the warning audited and its owner told once.
 */
export function apiKeyExchange(deps: ApiKeyExchangeDeps): { login: ApiKeyLogin; validator: SubjectTokenValidator } {
  const login: ApiKeyLogin = {
    async authenticateSubjectKey(directory, form, sourceIp) {
      const now = deps.clock.now();
      const verdict = await verifyApiKey(deps.store, form.get('subject_token') ?? '', now);
      if (!verdict.ok) throw refused(verdict.reason, verdict.record?.agentId);
      const { record } = verdict;
      const formClientId = form.get('client_id');
      if (formClientId !== undefined && formClientId !== record.agentId) throw refused(`client_id does not name the agent of key ${record.id}`, formClientId);
      const client = await directory.get(record.agentId);
      const fault = standingFault(client?.agent);
      if (client === undefined || fault !== undefined) throw refused(`the agent of key ${record.id} ${fault ?? 'does not exist'}`, record.agentId);
      await deps.store.recordApiKeyUse(record.id, now, sourceIp, MAX_KEY_SOURCE_ADDRESSES);
      return { client, method: 'none', credentialId: record.id, replayClaim: undefined };
    },
  };
  const validator: SubjectTokenValidator = {
    name: 'api-key',
    tokenTypes: [TOKEN_TYPE_API_KEY],
    async validate(token, context) {
      const verdict = await verifyApiKey(deps.store, token, context.now);
      if (!verdict.ok) return { status: 'invalid', reason: verdict.reason };
      const { record } = verdict;
      if (record.agentId !== context.clientId) return { status: 'invalid', reason: `API key ${record.id} presented by another client` };
      const named = (context.resources ?? []).filter((resource) => record.resources.includes(resource));
      const cutover = await deps.cutover?.check(
        {
          keyId: record.id,
          kind: 'managed',
          agentId: record.agentId,
          owner: record.owner,
          resources: named.length > 0 ? named : record.resources,
          via: 'token_exchange',
          actor: `agent:${record.agentId}`,
          sourceIp: context.sourceIp ?? null,
          requestId: context.requestId ?? null,
        },
        context.now,
      );
      // The rule is in the key_cutover.blocked record; the caller gets the fixed refusal.
      if (cutover?.stage === 'block') return { status: 'invalid', reason: REFUSED };
      return {
        status: 'valid',
        token: {
          issuer: deps.issuer,
          subject: record.agentId,
          scopes: record.scopes,
          audience: record.resources,
          expiresAt: Math.floor(record.expiresAt / 1000),
          clientId: record.agentId,
          lineageJti: null,
          generation: 0,
          auditDetails: { managed_key_id: record.id, subject_token_type: TOKEN_TYPE_API_KEY, ...(cutover?.stage === 'warn' ? { cutover_stage: 'warn', cutover_rule_id: cutover.rule.id } : {}) },
        },
      };
    },
  };
  return { login, validator };
}
