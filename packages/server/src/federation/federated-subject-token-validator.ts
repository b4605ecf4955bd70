import { TOKEN_TYPE_JWT } from '@agentauth/protocol';
import type { ClientDirectory } from '../oauth/client-directory.js';
import type { SubjectTokenValidator, SubjectTokenVerdict } from '../oauth/exchange/subject-token-validator.js';
import type { FederatedJwtVerifier } from './federated-jwt-verifier.js';
import { boundAgent } from './federated-client-auth.js';

/**
 * JWTs of trusted issuers as RFC 8693 `subject_token`s, with
 * `subject_token_type=urn:ietf:params:oauth:token-type:jwt` (RFC 8693 §3). The JWT is verified
 * exactly as for a federated login (`FederatedJwtVerifier`) and stands for the agent of its one
 * binding rule: the subject is that agent, and what it grants is what that agent is allowed (its
 * scopes and resources) — the exchange then attenuates from there. The agent must be active.
 * Lineage: none (a foreign token is a root, generation 0).
 *
 * Does NOT make the `jti` claim durable: the verifier's in-process replay check applies, but the
 * exchange grant has no way yet to commit a subject token's single-use claim with its writes.
 */
export function federatedSubjectTokenValidator(deps: { verifier: FederatedJwtVerifier; directory: Pick<ClientDirectory, 'get'> }): SubjectTokenValidator {
  return {
    name: 'federation',
    tokenTypes: [TOKEN_TYPE_JWT],
    async validate(token): Promise<SubjectTokenVerdict> {
      if (!deps.verifier.isFederated(token)) return { status: 'unrecognized' };
      const identity = await deps.verifier.verify(token);
      if (typeof identity === 'string') return { status: 'invalid', reason: `federated: ${identity}` };
      const entry = boundAgent(await deps.directory.get(identity.agentId));
      if (typeof entry === 'string') return { status: 'invalid', reason: `federated: ${entry}` };
      return {
        status: 'valid',
        token: {
          issuer: identity.issuer,
          subject: identity.agentId,
          scopes: entry.agent.scopes,
          audience: entry.agent.resources,
          expiresAt: identity.exp,
          lineageJti: null,
          generation: 0,
          auditDetails: {
            federated_issuer: identity.issuer.slice(0, 300),
            trusted_issuer_id: identity.trustedIssuerId,
            binding_rule_id: identity.bindingRuleId,
            federated_sub: identity.subject?.slice(0, 300) ?? null,
          },
        },
      };
    },
  };
}
