import { GRANT_CLIENT_CREDENTIALS, GRANT_TOKEN_EXCHANGE } from '@agentauth/protocol';
import type { PolicyVerdict } from '../policy/policy-decider.js';
import { applyVerdict } from '../policy/policy-outcome.js';
import type { PolicyQuery } from '../policy/policy-request.js';
import type { AgentRecord } from '../store/records.js';
import type { PolicyTestResult, TestPoliciesRequest } from './wire/policy.js';
import { AdminProblem } from './problem.js';

/** The lifetimes a test request gets when it names none: what the server would issue. */
export interface DefaultLifetimes {
  /** Access tokens, seconds. */
  token: number;
  /** Certificates, seconds. */
  certificate: number;
}

/**
 * The policy query a `POST /policies/test` body describes. Every circumstance it leaves out takes
 * what a plain request of that agent would have (docs/admin-api.md, "Testing a request"): now,
 * an unknown address (`0.0.0.0`), no key binding, the agent's own authentication method, the
 * action's grant type, the agent as subject, no actors, no task, the server's default lifetime,
 * risk `low`.
 */
export function policyTestQuery(body: TestPoliciesRequest, agent: AgentRecord, now: number, lifetimes: DefaultLifetimes): PolicyQuery {
  const c = body.context ?? {};
  let time = now;
  if (c.time !== undefined) {
    time = Date.parse(c.time);
    if (Number.isNaN(time)) throw new AdminProblem('validation_failed', 'context.time must be an RFC 3339 date-time');
  }
  const grantType = body.action === 'issue_token' ? GRANT_CLIENT_CREDENTIALS : body.action === 'exchange_token' ? GRANT_TOKEN_EXCHANGE : '';
  return {
    action: body.action,
    agent,
    resources: body.resources,
    scopes: body.scopes,
    facts: {
      now: time,
      sourceIp: c.source_ip ?? null,
      binding: c.binding ?? 'none',
      authMethod: c.auth_method ?? agent.tokenEndpointAuthMethod,
      grantType: c.grant_type ?? grantType,
      subject: c.subject ?? agent.id,
      actors: c.actors ?? [],
      taskId: c.task_id ?? '',
      requestedTtl: c.requested_ttl ?? (body.action === 'issue_certificate' ? lifetimes.certificate : lifetimes.token),
      renewal: c.renewal ?? false,
      risk: c.risk ?? 'low',
    },
  };
}

/** The verdict as the test answer shows it: each pair, and the operation's result as `applyVerdict` shapes it. */
export function policyTestResult(verdict: PolicyVerdict, query: PolicyQuery, scopesRequested: boolean, proposed: boolean): PolicyTestResult {
  const noun = query.action === 'issue_certificate' ? 'certificate' : query.action === 'register_agent' ? 'registration' : 'token';
  const applied = applyVerdict(verdict, { scopes: query.scopes, scopesRequested, ttl: query.facts.requestedTtl, binding: query.facts.binding, noun });
  const { audit } = applied;
  const result: PolicyTestResult['result'] = applied.ok
    ? { allowed: true, scopes: applied.scopes, ttl: applied.ttl, decided_by: audit.decided_by }
    : { allowed: false, error: applied.code, error_description: applied.description, decided_by: audit.decided_by };
  if (audit.narrowed_scopes !== undefined) result.narrowed_scopes = audit.narrowed_scopes;
  if (audit.ttl_capped_from !== undefined) result.ttl_capped_from = audit.ttl_capped_from;
  if (audit.errors !== undefined) result.errors = audit.errors;
  return {
    version: verdict.version,
    proposed,
    decisions: verdict.pairs.map((p) => ({ resource: p.resource, scope: p.scope, allowed: p.allowed, policies: [...p.policies], errors: [...p.errors], ...(p.refusal === undefined ? {} : { refusal: p.refusal }) })),
    result,
  };
}
