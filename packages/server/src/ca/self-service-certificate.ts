import { SCOPE_CERT } from '@agentauth/protocol';
import { authenticateByOwnKey, type OwnKeyAuthenticationDeps, type OwnKeyRequest } from '../oauth/client-auth/authenticate-by-own-key.js';
import { accessDenied, invalidCsr, invalidRequest, invalidScope } from '../oauth/oauth-error.js';
import { CaError } from './ca-error.js';
import type { CertificateAuthority, IssuedCertificate } from './certificate-authority.js';
import { CsrError } from './certification-request.js';

/** What {@link issueOwnCertificate} needs. */
export interface SelfServiceCertificateDeps extends OwnKeyAuthenticationDeps {
  ca: CertificateAuthority;
}

/**
 * `POST /agents/self/certificates` (form: `csr` plus RFC 7523 `private_key_jwt` client
 * authentication): an agent obtains a certificate with its own key instead of an access token.
 * This is how an agent registered for certificate-bound tokens (RFC 8705 §3.4) gets a
 * certificate when it holds none (its first, or after a restart or a revoked one): the token
 * endpoint gives such an agent tokens only over mutual TLS with a certificate, so a token cannot
 * be its way to the first certificate. The assertion proves the same as a token request would;
 * its `jti` is single use on every node.
 *
 * The operator's control is the same as for a token: the agent must be allowed the scope
 * `agentauth:cert` (else `invalid_scope`), and be active (the CA refuses others, `access_denied`).
 */
export async function issueOwnCertificate(deps: SelfServiceCertificateDeps, request: OwnKeyRequest): Promise<IssuedCertificate> {
  const { form, agentId, client } = await authenticateByOwnKey(deps, request, 'self_service_certificates');
  const context = { actor: `agent:${agentId}`, sourceIp: request.sourceIp, requestId: request.requestId };
  if (!client.agent.scopes.includes(SCOPE_CERT)) {
    await deps.commitLog.record({ time: deps.auth.nowMs(), event: 'certificate.denied', outcome: 'failure', agentId, ...context, reason: `invalid_scope: the agent is not allowed ${SCOPE_CERT}`, details: { path: '/agents/self/certificates' } });
    throw invalidScope(`this agent is not allowed the scope ${SCOPE_CERT}, which certificates need`);
  }
  const csr = form.get('csr');
  if (csr === undefined) throw invalidRequest('csr missing: a PEM PKCS#10 certification request');
  try {
    return await deps.ca.issueForAgent(agentId, csr, context);
  } catch (error) {
    // The CA has audited these as certificate.denied.
    if (error instanceof CsrError) throw invalidCsr(error.message, error.code);
    if (error instanceof CaError) throw accessDenied(error.message);
    throw error;
  }
}
