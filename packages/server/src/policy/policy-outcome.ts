import type { RefusalCode } from './policy-annotations.js';
import type { PairDecision, PolicyVerdict } from './policy-decider.js';
import type { PolicyBinding } from './policy-schema.js';

/** What the policy layer lets an operation go ahead with: the scopes kept and the lifetime. */
export interface PolicyGrant {
  ok: true;
  scopes: string[];
  ttl: number;
  /** For the audit record: the version, the deciding policies, and what was narrowed. */
  audit: PolicyAuditFacts;
}

/** Why the policy layer refused: a code and a public text for the caller, the detail for the log. */
export interface PolicyRefusal {
  ok: false;
  code: RefusalCode;
  /** Public: names the scope, the audience or the requirement, never a policy id. */
  description: string;
  /** Private: the version, the policies and any evaluation error (audit record and log only). */
  detail: string;
  audit: PolicyAuditFacts;
}

/** What an audit record says of a policy decision (and what a dry run replays). */
export interface PolicyAuditFacts {
  version: number;
  /** Ids of the policies that decided, over every pair. */
  decided_by: string[];
  /** Scopes dropped from a default (unrequested) scope set. */
  narrowed_scopes?: string[];
  /** The lifetime before a `@max_ttl` cut it. */
  ttl_capped_from?: number;
  errors?: string[];
}

/**
 * How an agent gets what needs a person's approval, for every refusal that says so: OpenID CIBA
 * Core 1.0 with RFC 9396 authorization details (docs/approvals.md).
 */
export const APPROVAL_FLOW_HINT =
  'ask a person through the backchannel_authentication_endpoint (OpenID CIBA) and redeem the approval with grant_type urn:openid:params:grant-type:ciba (docs/approvals.md)';

/**
 * Applies a verdict to an operation. Policies only narrow, never widen:
 *
 * - a denied pair refuses the operation when its scope was asked for explicitly (never silent
 *   down-scoping of what a client named), or when the operation has no scope;
 * - from scopes the client did not name (the agent's defaults), denied ones are dropped, and the
 *   operation is refused only when none remains;
 * - every `@require_binding` of a deciding permit must be met by the credential's binding;
 * - a deciding permit's `@require_approval` is met by a person's approval (the CIBA grant,
 *   docs/approvals.md); without one it refuses with `access_denied`, naming the approval flow;
 * - the lifetime is the shorter of the requested one and every deciding permit's `@max_ttl`.
 */
export function applyVerdict(
  verdict: PolicyVerdict,
  operation: { scopes: readonly string[]; scopesRequested: boolean; ttl: number; binding: PolicyBinding; noun: string; approved?: boolean },
): PolicyGrant | PolicyRefusal {
  const decidedBy = [...new Set(verdict.pairs.flatMap((p) => p.policies))];
  const errors = verdict.pairs.flatMap((p) => p.errors);
  const audit: PolicyAuditFacts = { version: verdict.version, decided_by: decidedBy };
  if (errors.length > 0) audit.errors = [...new Set(errors)];

  const denied = verdict.pairs.filter((p) => !p.allowed);
  let scopes = [...operation.scopes];
  if (denied.length > 0) {
    const blocking = operation.scopesRequested || operation.scopes.length === 0 ? denied : [];
    if (blocking.length === 0) {
      const dropped = new Set(denied.map((p) => p.scope));
      scopes = scopes.filter((s) => !dropped.has(s));
      audit.narrowed_scopes = [...dropped];
      if (scopes.length === 0) return refuse(denied[0] as PairDecision, verdict, audit, operation.noun);
    } else {
      return refuse(blocking[0] as PairDecision, verdict, audit, operation.noun);
    }
  }

  for (const requirement of verdict.bindingRequirements) {
    if (!requirement.bindings.includes(operation.binding)) {
      const wanted = requirement.bindings.map((b) => (b === 'dpop' ? 'DPoP-bound (RFC 9449)' : 'certificate-bound (RFC 8705)')).join(' or ');
      return {
        ok: false,
        code: 'invalid_request',
        description: `policy requires a ${wanted} ${operation.noun} for this request`,
        detail: `policy v${verdict.version} ${requirement.policy} requires binding ${requirement.bindings.join('|')}, request has ${operation.binding}`,
        audit,
      };
    }
  }
  if (verdict.approvalPolicies.length > 0 && operation.approved !== true) {
    return {
      ok: false,
      code: 'access_denied',
      description:
        operation.noun === 'token'
          ? `policy requires a person's approval for this token: ${APPROVAL_FLOW_HINT}`
          : `policy requires a person's approval for this ${operation.noun}, and only tokens can be approved (docs/approvals.md)`,
      detail: `policy v${verdict.version} requires approval: ${verdict.approvalPolicies.join(',')}`,
      audit,
    };
  }
  let ttl = operation.ttl;
  if (verdict.maxTtl !== undefined && verdict.maxTtl < ttl) {
    audit.ttl_capped_from = ttl;
    ttl = verdict.maxTtl;
  }
  return { ok: true, scopes, ttl, audit };
}

function refuse(pair: PairDecision, verdict: PolicyVerdict, audit: PolicyAuditFacts, noun: string): PolicyRefusal {
  const target = JSON.stringify(pair.resource.slice(0, 200));
  let code: RefusalCode;
  let description: string;
  if (pair.errors.length > 0) {
    code = 'access_denied';
    description = `denied by policy: a policy could not be evaluated for ${target}`;
  } else if (pair.scope !== '') {
    code = pair.refusal ?? 'invalid_scope';
    description = `scope ${JSON.stringify(pair.scope.slice(0, 100))} is not granted by policy for resource ${target}`;
  } else {
    code = pair.refusal ?? 'invalid_target';
    description = `policy does not allow this ${noun} for resource ${target}`;
  }
  const because = pair.errors.length > 0 ? `errors: ${pair.errors.join('; ')}` : pair.policies.length > 0 ? `forbidden by ${pair.policies.join(',')}` : 'no permit applies';
  return { ok: false, code, description, detail: `policy v${verdict.version} denied ${pair.scope || '(no scope)'} on ${pair.resource.slice(0, 200)}: ${because}`, audit };
}
