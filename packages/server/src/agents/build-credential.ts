import type { AgentRecord, CredentialRecord } from '../store/records.js';
import type { Random } from '../random.js';
import { AgentError, invalid } from './agent-error.js';
import { newCredentialId } from './agent-ids.js';
import { generateSecret } from './client-secret.js';
import { AGENT_LIMITS } from './validate-agent-input.js';
import { validatePublicJwk } from './validate-jwk.js';

/** A credential to add: a public JWK (RFC 7517), or a server-generated secret (RFC 6749 §2.3.1). */
export type NewCredentialInput = { type: 'jwk'; jwk: unknown } | { type: 'secret' };

/** A built credential; `clientSecret` is present only for a secret, to be shown once. */
export interface BuiltCredential {
  credential: CredentialRecord;
  clientSecret?: string;
}

/**
 * Builds a credential record for `agentId`, validating the key and checking it against the
 * agent's other credentials: a duplicate `kid` is a `conflict`, and an agent that publishes its
 * keys at `jwks_uri` takes no registered keys (RFC 7591 §2: `jwks` and `jwks_uri` are exclusive).
 */
export async function buildCredential(
  input: NewCredentialInput,
  agent: Pick<AgentRecord, 'id' | 'jwksUri'>,
  existing: readonly CredentialRecord[],
  random: Random,
  now: number,
): Promise<BuiltCredential> {
  if (existing.length >= AGENT_LIMITS.credentialsMax) {
    throw invalid(`an agent holds at most ${AGENT_LIMITS.credentialsMax} credentials`);
  }
  if (input.type === 'secret') {
    const { secret, hash } = generateSecret(random);
    return {
      credential: { id: newCredentialId(random), agentId: agent.id, kind: 'secret', secretHash: hash, createdAt: now, expiresAt: null },
      clientSecret: secret,
    };
  }
  if (input.type !== 'jwk') throw invalid('credential type must be "jwk" or "secret"');
  if (agent.jwksUri !== null) throw invalid('the agent publishes its keys at jwks_uri; registered keys are not accepted');
  const { jwk, kid } = await validatePublicJwk(input.jwk);
  if (existing.some((c) => c.kind === 'jwk' && c.kid === kid)) {
    throw new AgentError('conflict', `the agent already has a key with kid "${kid}"`);
  }
  return { credential: { id: newCredentialId(random), agentId: agent.id, kind: 'jwk', jwk, kid, createdAt: now, expiresAt: null } };
}

/** The non-secret facts about a credential that audit records and responses may carry. */
export function credentialFacts(credential: CredentialRecord): { credential_id: string; type: 'jwk' | 'secret'; kid?: string } {
  return credential.kind === 'jwk'
    ? { credential_id: credential.id, type: 'jwk', kid: credential.kid }
    : { credential_id: credential.id, type: 'secret' };
}
