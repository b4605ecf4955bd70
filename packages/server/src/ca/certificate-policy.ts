import type { PolicyDecider } from '../policy/policy-decider.js';
import { applyVerdict, type PolicyAuditFacts } from '../policy/policy-outcome.js';
import { serverOperationQuery } from '../policy/policy-request.js';
import type { AgentRecord } from '../store/records.js';

/** A certificate request as the policy layer weighs it. */
export interface CertificatePolicyRequest {
  agent: AgentRecord;
  /** A renewal by the agent's current certificate over mutual TLS, rather than a first issuance. */
  renewal: boolean;
  sourceIp: string | null;
  /** The lifetime the certificate would get, seconds. */
  ttl: number;
  /** ms */
  now: number;
}

/** Whether the certificate may be issued, for how long, and what the audit record says of it. */
export type CertificatePolicyResult = { ok: true; ttl: number; audit: PolicyAuditFacts } | { ok: false; detail: string; audit: PolicyAuditFacts };

/** Decides certificate issuance and renewal (docs/policy.md). */
export type CertificatePolicy = (request: CertificatePolicyRequest) => CertificatePolicyResult;

/**
 * The `issue_certificate` decision: the principal is the agent named in the certificate, the
 * resource the issuer (a certificate is for every service that trusts our CA), `context.renewal`
 * tells a renewal from a first issuance, and a renewal is bound by mutual TLS. A deciding permit's
 * `@max_ttl` shortens the certificate; `@require_binding("mtls")` admits renewals only.
 */
export function certificatePolicy(decider: Pick<PolicyDecider, 'decide'>): CertificatePolicy {
  return (request) => {
    const { agent } = request;
    const binding = request.renewal ? 'mtls' : 'none';
    const verdict = decider.decide(
      serverOperationQuery('issue_certificate', agent, {
        now: request.now,
        sourceIp: request.sourceIp,
        binding,
        authMethod: request.renewal ? 'tls_client_auth' : agent.tokenEndpointAuthMethod,
        requestedTtl: request.ttl,
        renewal: request.renewal,
      }),
    );
    const applied = applyVerdict(verdict, { scopes: [], scopesRequested: false, ttl: request.ttl, binding, noun: 'certificate' });
    return applied.ok ? { ok: true, ttl: applied.ttl, audit: applied.audit } : { ok: false, detail: `${applied.code}: ${applied.detail}`, audit: applied.audit };
  };
}
