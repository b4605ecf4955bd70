import type { PolicyAuditFacts, PolicyRefusal } from '../policy/policy-outcome.js';
import { OAuthError } from './oauth-error.js';

/**
 * A request the policy layer refused, as a protocol error: the code the policy chose
 * (`invalid_scope`, `invalid_target`, `invalid_request`, `access_denied`), a public description
 * naming the scope, audience or requirement, and the deciding policy ids only in the private
 * detail. `policy` carries the facts the refusal's audit record keeps (and a dry run replays).
 */
export class PolicyRefusalError extends OAuthError {
  constructor(
    refusal: PolicyRefusal,
    readonly policy: PolicyAuditFacts & { input: Record<string, unknown> },
    status: number,
  ) {
    super(refusal.code, status, refusal.description, refusal.detail);
  }
}

/**
 * The status a policy refusal is answered with: 400 at the token endpoint (RFC 6749 §5.2, where
 * every error but `invalid_client` is 400), 403 elsewhere for `access_denied`.
 */
export function policyRefusalStatus(code: PolicyRefusal['code'], endpoint: 'token' | 'other'): number {
  return code === 'access_denied' && endpoint === 'other' ? 403 : 400;
}
