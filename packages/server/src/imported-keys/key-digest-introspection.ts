import { isIP } from 'node:net';
import { isKeyDigest, SCOPE_INTROSPECT, TOKEN_TYPE_IMPORTED_KEY, type IntrospectionResponse } from '@agentauth/protocol';
import { standingFault } from '../agents/agent-standing.js';
import type { CommitLog } from '../audit/commit-log.js';
import type { Clock } from '../clock.js';
import type { AuthenticatedClient, ClientAuthenticationDeps } from '../oauth/client-auth/authenticate-client.js';
import { authenticateClientWithinLimits } from '../oauth/client-auth/authenticate-within-limits.js';
import { auditRefusal, commitAuthenticated } from '../oauth/endpoints/audit-failure.js';
import { FormParameters } from '../oauth/form-parameters.js';
import { invalidRequest, OAuthError } from '../oauth/oauth-error.js';
import { NO_STORE_HEADERS, type OAuthRequest, type OAuthResponse } from '../oauth/oauth-request.js';
import type { AgentStore } from '../store/ports/agent-store.js';
import type { ImportedKeyStore } from '../store/ports/imported-key-store.js';
import { sameDigest } from '../api-keys/api-key-hash.js';
import { MAX_KEY_SOURCE_ADDRESSES } from '../api-keys/api-key-exchange.js';
import type { KeyCutoverGate } from '../key-cutover/key-cutover-gate.js';
import { cutoverMember } from '../key-cutover/cutover-member.js';

/** What the key digest endpoint needs. */
export interface KeyDigestIntrospectionDeps extends ClientAuthenticationDeps {
  clock: Clock;
  store: Pick<ImportedKeyStore, 'findImportedKeyByDigest' | 'recordImportedKeyUse'> & Pick<AgentStore, 'getAgentStanding'>;
  commitLog: Pick<CommitLog, 'commit'>;
  /** The staged cut-over (docs/migration.md, "Cutting keys off"). */
  cutover?: Pick<KeyCutoverGate, 'check'>;
}

const INACTIVE: IntrospectionResponse = { active: false };

/** One value of a parameter, or none; a repeated parameter is refused (RFC 6749 §3.1, §3.2). */
function single(form: FormParameters, name: string): string | undefined {
  const values = form.getAll(name);
  if (values.length > 1) throw invalidRequest(`${name} repeated`);
  return values[0];
}

/**
 * `POST /introspect/key-digest`: RFC 7662-style introspection of an imported third-party key by
 * its SHA-256 (docs/migration.md, "Keys you already have"), so the key itself never leaves the
 * service that holds it. The caller authenticates as for introspection (RFC 7662 §2.1) and must be
 * allowed `agentauth:introspect`. Parameters: `key_digest` (required, lowercase hex SHA-256, a
 * malformed one refused as `invalid_request` before any lookup), `resource` (the service's RFC
 * 8707 identifier: a key not for it is inactive) and `client_address` (the address the key came
 * from, kept in the key's usage). An active answer carries `sub` and `client_id` (the key's agent),
 * `scope`, `aud` (its resources), `exp`, `iat`, `key_id` and `token_type` the imported key's URI;
 * anything else is exactly `{"active": false}` (§2.2). Every answer is audited
 * (`imported_key.introspected`: a refusal as a failure, with its reason) and an active one counts
 * as a use of the key. Neither the digest nor the key is ever recorded. The key's cut-over decides
 * last, for `resource` (all of the key's when none): a blocked key is inactive, a warned one active
 * with a `cutover` member.
 */
export async function handleKeyDigestIntrospection(deps: KeyDigestIntrospectionDeps, request: OAuthRequest): Promise<OAuthResponse> {
  const now = deps.clock.now();
  let authenticated: AuthenticatedClient | undefined;
  try {
    const form = FormParameters.parse(request.body);
    if (form instanceof OAuthError) throw form;
    authenticated = await authenticateClientWithinLimits(deps, form, request);
    const caller = authenticated.client.agent;
    const digest = single(form, 'key_digest');
    if (digest === undefined) throw invalidRequest('key_digest missing');
    if (!isKeyDigest(digest)) throw invalidRequest('key_digest must be the lowercase hex SHA-256 of the key (64 characters)');
    const resource = single(form, 'resource');
    const clientAddress = single(form, 'client_address');
    if (clientAddress !== undefined && isIP(clientAddress) === 0) throw invalidRequest('client_address must be an IPv4 or IPv6 address');

    const answer = async (body: IntrospectionResponse, outcome: 'success' | 'failure', reason: string, details: Record<string, unknown>): Promise<OAuthResponse> => {
      await commitAuthenticated(deps.commitLog, authenticated?.replayClaim, {
        time: now,
        event: 'imported_key.introspected',
        outcome,
        agentId: caller.id,
        actor: `agent:${caller.id}`,
        sourceIp: request.sourceIp,
        reason,
        requestId: request.requestId,
        details: { ...details, ...(resource === undefined ? {} : { resource: resource.slice(0, 512) }) },
      });
      return { status: 200, body, headers: { ...NO_STORE_HEADERS } };
    };

    if (!caller.scopes.includes(SCOPE_INTROSPECT)) return answer(INACTIVE, 'failure', 'caller may not introspect keys (needs agentauth:introspect)', {});
    const record = await deps.store.findImportedKeyByDigest(digest);
    if (record === undefined || !sameDigest(digest, record.keyDigest)) return answer(INACTIVE, 'failure', 'unknown key digest', {});
    const details = { imported_key_id: record.id, key_agent_id: record.agentId };
    if (record.revokedAt !== null) return answer(INACTIVE, 'failure', `imported key ${record.id} is revoked`, details);
    if (record.expiresAt <= now) return answer(INACTIVE, 'failure', `imported key ${record.id} expired`, details);
    if (resource !== undefined && !record.resources.includes(resource)) return answer(INACTIVE, 'failure', `imported key ${record.id} is not for this resource`, details);
    const fault = standingFault(await deps.store.getAgentStanding(record.agentId));
    if (fault !== undefined) return answer(INACTIVE, 'failure', `the agent of imported key ${record.id} ${fault}`, details);
    const verdict = await deps.cutover?.check(
      {
        keyId: record.id,
        kind: 'imported',
        agentId: record.agentId,
        owner: record.owner,
        resources: resource === undefined ? record.resources : [resource],
        via: 'key_digest_introspection',
        actor: `agent:${caller.id}`,
        sourceIp: request.sourceIp,
        requestId: request.requestId,
      },
      now,
    );
    if (verdict?.stage === 'block') return answer(INACTIVE, 'failure', `imported key ${record.id} is blocked by cut-over rule ${verdict.rule.id}`, details);

    await deps.store.recordImportedKeyUse(record.id, now, clientAddress ?? null, MAX_KEY_SOURCE_ADDRESSES);
    const body: IntrospectionResponse = {
      active: true,
      iss: deps.issuer,
      sub: record.agentId,
      client_id: record.agentId,
      aud: [...record.resources],
      exp: Math.floor(record.expiresAt / 1000),
      iat: Math.floor(record.importedAt / 1000),
      token_type: TOKEN_TYPE_IMPORTED_KEY,
      key_id: record.id,
      ...(record.scopes.length > 0 ? { scope: record.scopes.join(' ') } : {}),
      ...(verdict?.stage === 'warn' ? { cutover: cutoverMember(verdict.rule) } : {}),
    };
    return answer(body, 'success', 'active imported key', details);
  } catch (error) {
    return auditRefusal(deps.commitLog, request, error, { event: 'imported_key.introspected', agentId: authenticated?.client.agent.id, now, claim: authenticated?.replayClaim });
  }
}
