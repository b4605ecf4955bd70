import type { AgentRecord } from '../store/records.js';

/**
 * Whether an agent still stands behind what it holds: it exists and is `active`, and, for a token
 * (or anything issued at `issuedAtMs`), it has not revoked everything issued before that moment
 * (`revokedBefore`, set when it is suspended, disabled or deleted, or when its tokens are revoked).
 * Returns why not, as a phrase that follows the agent's name (`does not exist`, `is suspended`,
 * `revoked its tokens`), or undefined while it stands.
 *
 * The one place this rule is written: client authentication, federated logins, tokens presented
 * back (introspection, token exchange, our own APIs), their whole lineage, and certificates.
 */
export function standingFault(agent: Pick<AgentRecord, 'status' | 'revokedBefore'> | undefined, issuedAtMs?: number): string | undefined {
  if (agent === undefined) return 'does not exist';
  if (agent.status !== 'active') return `is ${agent.status}`;
  if (issuedAtMs !== undefined && agent.revokedBefore !== null && issuedAtMs < agent.revokedBefore) return 'revoked its tokens';
  return undefined;
}
