import type { ClientEntry } from '../client-directory.js';
import type { ClientCertificate } from '../mtls/client-certificate.js';
import { validity } from '../mtls/verify-certificate-chain.js';
import type { CertificateAuthentication } from './tls-client-auth.js';

/**
 * RFC 8705 §2.2 `self_signed_tls_client_auth`: the presented certificate is one the client
 * registered, as the first `x5c` entry of a key in its `jwks` (RFC 7517 §4.7). The certificate
 * itself is compared (by SHA-256 of its DER), not just its public key, so a second certificate
 * over the same key is not accepted. The validity period is checked too (a strict reading: the RFC
 * leaves it open), so an expired self-signed certificate must be re-registered.
 *
 * Does NOT build a chain: by definition nothing vouches for the certificate but its registration.
 */
export function verifySelfSignedClientCertificate(
  client: ClientEntry,
  certificate: ClientCertificate,
  nowMs: number,
): CertificateAuthentication | string {
  const key = client.keys.find((k) => k.certificateThumbprint === certificate.thumbprint);
  if (key === undefined) return 'the client certificate is not one registered in the agent jwks (x5c)';
  const { notBefore, notAfter } = validity(certificate.leaf);
  if (!(notBefore <= nowMs && nowMs <= notAfter)) return 'the client certificate is expired or not yet valid';
  return { credentialId: key.credentialId };
}
