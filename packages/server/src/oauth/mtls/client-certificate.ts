import { createHash, type X509Certificate } from 'node:crypto';

/**
 * The certificate a client presented for this request (RFC 8705 §2): from the TLS handshake of
 * the mutual-TLS listener, or from a trusted TLS-terminating proxy's header (RFC 8705 §6.5).
 * Nothing about it has been verified yet: client authentication decides whether to trust it.
 */
export interface ClientCertificate {
  /** The end-entity certificate. */
  readonly leaf: X509Certificate;
  /** The other certificates the client sent (intermediates), leaf excluded, in the order sent. */
  readonly chain: readonly X509Certificate[];
  /** Where it came from, for the audit record. */
  readonly source: 'tls' | 'proxy';
  /** RFC 8705 §3.1 `x5t#S256` of the leaf, computed once per certificate. */
  readonly thumbprint: string;
}

/**
 * RFC 8705 §3.1: the `x5t#S256` confirmation value, base64url (no padding) of the SHA-256 of the
 * DER-encoded certificate.
 */
export function certificateThumbprint(certificate: X509Certificate | Uint8Array): string {
  const der = certificate instanceof Uint8Array ? certificate : certificate.raw;
  return createHash('sha256').update(der).digest('base64url');
}

/** Builds a {@link ClientCertificate} (the thumbprint is computed here, once). */
export function clientCertificate(leaf: X509Certificate, chain: readonly X509Certificate[], source: 'tls' | 'proxy'): ClientCertificate {
  return { leaf, chain, source, thumbprint: certificateThumbprint(leaf) };
}
