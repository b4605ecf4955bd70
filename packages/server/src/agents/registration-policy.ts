import type { PolicyDecider } from '../policy/policy-decider.js';
import { applyVerdict } from '../policy/policy-outcome.js';
import type { AgentRecord } from '../store/records.js';

/** An agent about to be registered, as the policy layer weighs it. */
export interface RegistrationPolicyRequest {
  /** The agent as it would be stored (status `active`, version 0). */
  agent: AgentRecord;
  /** How it came: a new agent by the admin API or RFC 7591, or a change of an existing one. */
  via: 'admin_api' | 'registration' | 'update';
  /** The admin actor or initial access token's holder that asked (`admin:bootstrap`, `admin:agt_...`). */
  actor: string;
  sourceIp: string | null;
  /** ms */
  now: number;
}

/** Undefined when allowed; else a public reason and the audit detail naming the policies. */
export type RegistrationPolicy = (request: RegistrationPolicyRequest) => { description: string; detail: string } | undefined;

/**
 * The `register_agent` decision: the principal is the agent as it would be registered (its
 * owner, labels, allowed scopes and resources are attributes a policy can test: `principal.scopes`,
 * `principal.resources`), the resource the issuer, no scope, `context.subject`
 * who asks, `context.auth_method` how it would authenticate, `context.grant_type` how it came
 * (`admin_api` or `registration`; `update` when an existing agent's registration changes, so a
 * policy cannot be sidestepped by registering first and widening after).
 */
export function registrationPolicy(decider: Pick<PolicyDecider, 'decide'>): RegistrationPolicy {
  return (request) => {
    const { agent } = request;
    const noun = request.via === 'update' ? 'this change of the agent' : 'registering this agent';
    const verdict = decider.decide({
      action: 'register_agent',
      agent,
      resources: [],
      scopes: [],
      facts: {
        now: request.now,
        sourceIp: request.sourceIp,
        binding: 'none',
        authMethod: agent.tokenEndpointAuthMethod,
        grantType: request.via,
        subject: request.actor,
        actors: [],
        taskId: '',
        requestedTtl: agent.accessTokenTtl ?? 0,
        renewal: false,
        risk: 'low',
      },
    });
    const applied = applyVerdict(verdict, { scopes: [], scopesRequested: false, ttl: 0, binding: 'none', noun: 'registration' });
    if (applied.ok) return undefined;
    return { description: `a policy does not allow ${noun}`, detail: `${applied.detail} [policy v${applied.audit.version}: ${applied.audit.decided_by.join(',') || 'no permit'}]` };
  };
}
