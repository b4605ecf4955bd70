import { GRANT_TOKEN_EXCHANGE } from '@agentauth/protocol';
import type { PolicyDecider } from '../../policy/policy-decider.js';
import { applyVerdict, type PolicyAuditFacts } from '../../policy/policy-outcome.js';
import type { PolicyBinding } from '../../policy/policy-schema.js';
import type { AuthenticatedClient } from '../client-auth/authenticate-client.js';
import { actorIds } from '../exchange/act-chain.js';
import type { GrantOutcome } from '../grants/grant-handler.js';
import { PolicyRefusalError, policyRefusalStatus } from '../policy-refusal.js';
import type { SenderConstraint } from '../sender-constraint.js';

/** What the policy layer let a token request have, and what its audit record says of it. */
export interface TokenPolicyResult {
  scopes: string[];
  ttl: number;
  audit: PolicyAuditFacts & { input: Record<string, unknown> };
}

/**
 * The policy decision of a token request, after the grant resolved audience, scopes and lifetime
 * within the agent's allow-list (the upper bound): `issue_token` for client credentials and the
 * jwt-bearer grant, `exchange_token` for RFC 8693. Throws a `PolicyRefusalError` (400) when a
 * policy refuses. `input` is what the audit record keeps so a dry run can replay the request.
 */
export function decideTokenPolicy(
  decider: Pick<PolicyDecider, 'decide'>,
  request: { grantType: string; client: AuthenticatedClient; outcome: GrantOutcome; constraint: SenderConstraint; scopesRequested: boolean; sourceIp: string | null; now: number },
): TokenPolicyResult {
  const { client, outcome } = request;
  const input = {
    action: request.grantType === GRANT_TOKEN_EXCHANGE ? ('exchange_token' as const) : ('issue_token' as const),
    resources: outcome.audience,
    scopes: outcome.scopes,
    scopes_requested: request.scopesRequested,
    binding: bindingOf(request.constraint),
    auth_method: client.method,
    grant_type: request.grantType,
    subject: outcome.subject,
    actors: actorIds(outcome.act),
    task_id: outcome.taskId ?? '',
    requested_ttl: outcome.ttl,
  };
  const verdict = decider.decide({
    action: input.action,
    agent: client.client.agent,
    resources: input.resources,
    scopes: input.scopes,
    facts: {
      now: request.now,
      sourceIp: request.sourceIp,
      binding: input.binding,
      authMethod: input.auth_method,
      grantType: input.grant_type,
      subject: input.subject,
      actors: input.actors,
      taskId: input.task_id,
      requestedTtl: input.requested_ttl,
      renewal: false,
      risk: 'low',
    },
  });
  const applied = applyVerdict(verdict, { scopes: outcome.scopes, scopesRequested: request.scopesRequested, ttl: outcome.ttl, binding: input.binding, noun: 'token', approved: outcome.approved === true });
  const audit = { ...applied.audit, input };
  if (!applied.ok) throw new PolicyRefusalError(applied, audit, policyRefusalStatus(applied.code, 'token'));
  return { scopes: applied.scopes, ttl: applied.ttl, audit };
}

/** The key binding the token will carry (RFC 9449 `cnf.jkt`, RFC 8705 `cnf.x5t#S256`). */
function bindingOf(constraint: SenderConstraint): PolicyBinding {
  if (constraint.cnf?.jkt !== undefined) return 'dpop';
  if (constraint.cnf?.['x5t#S256'] !== undefined) return 'mtls';
  return 'none';
}
