import type { X509Certificate } from 'node:crypto';
import type { ClientEntry } from '../client-directory.js';
import { certificateNames } from '../mtls/certificate-names.js';
import type { ClientCertificate } from '../mtls/client-certificate.js';
import { distinguishedNamesEqual, parseDistinguishedName } from '../../der/distinguished-name.js';
import { verifyCertificateChain, type ChainVerification } from '../mtls/verify-certificate-chain.js';

/** What `tls_client_auth` needs besides the client: whom to trust, and who was revoked. */
export interface TlsClientAuthDeps {
  /**
   * Trust anchors (RFC 8705 §2.1): our CA's bundle (root, current and old issuing CAs) and the
   * operator's configured anchors. Called per request; return the same array while nothing
   * changed, since verified chains are cached per array.
   */
  trustAnchors: () => readonly X509Certificate[];
  /** True when the certificate is revoked (our CA's records, RFC 5280 §5). */
  isRevoked?: (certificate: X509Certificate) => boolean | Promise<boolean>;
}

/** A certificate that authenticated a client: the credential id for the audit record. */
export interface CertificateAuthentication {
  credentialId: string;
}

const MAX_CACHED = 10_000;
/** Verified chains by leaf thumbprint, per anchor set: a new bundle (CA rotation) starts afresh. */
const verifiedChains = new WeakMap<readonly X509Certificate[], Map<string, ChainVerification & { ok: true }>>();

function verifiedChain(deps: TlsClientAuthDeps, certificate: ClientCertificate, nowMs: number): ChainVerification {
  const anchors = deps.trustAnchors();
  let cache = verifiedChains.get(anchors);
  if (cache === undefined) {
    cache = new Map();
    verifiedChains.set(anchors, cache);
  }
  const hit = cache.get(certificate.thumbprint);
  // A cached path still has to be valid now; a thumbprint names exactly one leaf, and the
  // intermediates it chained through are bounded by notBefore/notAfter.
  if (hit !== undefined && hit.notBefore <= nowMs && nowMs <= hit.notAfter) return hit;
  const result = verifyCertificateChain(certificate.leaf, certificate.chain, anchors, nowMs);
  if (result.ok) {
    if (cache.size >= MAX_CACHED) cache.clear();
    cache.set(certificate.thumbprint, result);
  }
  return result;
}

/**
 * RFC 8705 §2.1.2: the one subject the agent registered must be in the certificate:
 * `tls_client_auth_san_uri` (a URI SAN, exactly), `tls_client_auth_san_dns` (a dNSName SAN,
 * case-insensitively) or `tls_client_auth_subject_dn` (the subject DN, RFC 4514 string).
 */
export function subjectMatches(agent: ClientEntry['agent'], certificate: X509Certificate): boolean {
  const names = certificateNames(certificate);
  if (names === undefined) return false;
  if (agent.tlsClientAuthSanUri) return names.sanUris.includes(agent.tlsClientAuthSanUri);
  if (agent.tlsClientAuthSanDns) {
    const expected = agent.tlsClientAuthSanDns.toLowerCase();
    return names.sanDnsNames.some((name) => name.toLowerCase() === expected);
  }
  if (agent.tlsClientAuthSubjectDn) {
    const expected = parseDistinguishedName(agent.tlsClientAuthSubjectDn);
    return expected !== undefined && distinguishedNamesEqual(expected, names.subject);
  }
  return false;
}

/**
 * RFC 8705 §2.1 `tls_client_auth` (PKI): the certificate chains to a trust anchor, is valid now,
 * is not revoked, and carries the subject the agent registered. Returns the reason on failure
 * (the caller answers `invalid_client`; the reason goes to the log and audit only).
 */
export async function verifyPkiClientCertificate(
  deps: TlsClientAuthDeps,
  client: ClientEntry,
  certificate: ClientCertificate,
  nowMs: number,
): Promise<CertificateAuthentication | string> {
  const chain = verifiedChain(deps, certificate, nowMs);
  if (!chain.ok) return chain.reason;
  if (deps.isRevoked !== undefined && (await deps.isRevoked(certificate.leaf))) return 'the client certificate is revoked';
  // Last, so that a certificate of another agent is refused as such in the log.
  if (!subjectMatches(client.agent, certificate.leaf)) return 'the client certificate subject is not the one this agent registered';
  return { credentialId: `x5t#S256:${certificate.thumbprint}` };
}
