import type { X509Certificate } from 'node:crypto';
import { standingFault } from '../agents/agent-standing.js';
import type { Clock } from '../clock.js';
import { certificateNames } from '../oauth/mtls/certificate-names.js';
import type { ClientCertificate } from '../oauth/mtls/client-certificate.js';
import { verifyCertificateChain } from '../oauth/mtls/verify-certificate-chain.js';
import type { Store } from '../store/store.js';
import { normalizeSerial } from './certificate-builder.js';
import type { CertificateAuthority } from './certificate-authority.js';
import { agentSpiffeId } from './agent-spiffe-id.js';

/** What certificate authentication reads: our CA (issuing CAs, revocation) and the agent registry. */
export interface CertificateAuthenticationDeps {
  ca: Pick<CertificateAuthority, 'trustBundle' | 'isRevoked' | 'trustDomain'>;
  agents: Pick<Store, 'getAgentStanding'>;
  clock: Clock;
}

/** The agent a client certificate proves, or why it proves nothing (for the log and audit only). */
export type CertificateAgentAuth =
  | { ok: true; agentId: string; serial: string; certificate: X509Certificate }
  | { ok: false; reason: string; agentId: string | null };

/** The agent id segment of our SPIFFE IDs (agent-ids.ts ids, with room for longer ones). */
const AGENT_ID = /^[A-Za-z0-9_-]{1,128}$/;

/**
 * Renewal over mutual TLS (docs/ca.md "Renewal"): authenticates an agent by the
 * X.509-SVID it presents, which must
 *
 * 1. be signed directly by one of our issuing CAs, current or old (`trustBundle().intermediates`,
 *    signature checked), be valid now on the server's clock, not be a CA, and allow `clientAuth`
 *    (RFC 5280 §6 through the path validation tls_client_auth uses);
 * 2. carry exactly one URI SAN, `spiffe://<trust domain>/agent/<id>` (SPIFFE X509-SVID §2);
 * 3. not be revoked (`ca.isRevoked`, in memory, kept current across nodes);
 * 4. name an agent that exists and is active.
 *
 * Only issuing CAs are anchors: an intermediate the client sends is never used, so a certificate
 * from another CA under an imported root cannot pass as ours. Chains the client sent are ignored.
 *
 * Does NOT look at how the certificate arrived: the caller passes only a certificate from the
 * mutual-TLS handshake or from a trusted proxy (RFC 8705 §6.5).
 */
export function createCertificateAuthenticator(deps: CertificateAuthenticationDeps): (presented: ClientCertificate | undefined) => Promise<CertificateAgentAuth> {
  const refuse = (reason: string, agentId: string | null = null): CertificateAgentAuth => ({ ok: false, reason, agentId });
  const prefix = `spiffe://${deps.ca.trustDomain}/agent/`;
  return async (presented) => {
    if (presented === undefined) return refuse('no client certificate');
    const leaf = presented.leaf;
    const path = verifyCertificateChain(leaf, [], deps.ca.trustBundle().intermediates, deps.clock.now());
    if (!path.ok) return refuse(`${path.reason} (anchors: our issuing CAs)`);
    const uris = certificateNames(leaf)?.sanUris;
    if (uris === undefined || uris.length !== 1) return refuse('the client certificate does not carry exactly one URI SAN');
    const uri = uris[0] as string;
    const agentId = uri.startsWith(prefix) ? uri.slice(prefix.length) : '';
    if (!AGENT_ID.test(agentId) || agentSpiffeId(deps.ca.trustDomain, agentId) !== uri) return refuse('the client certificate does not name an agent of this trust domain');
    const serial = normalizeSerial(leaf.serialNumber) ?? leaf.serialNumber;
    if (await deps.ca.isRevoked(serial)) return refuse(`the client certificate ${serial} is revoked`, agentId);
    const fault = standingFault(await deps.agents.getAgentStanding(agentId));
    if (fault !== undefined) return refuse(`agent ${agentId} ${fault}`, agentId);
    return { ok: true, agentId, serial, certificate: leaf };
  };
}
