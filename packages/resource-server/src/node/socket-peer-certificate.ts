import type { PeerCertificate } from '../certificate-thumbprint.js';

/** The part of a Node `tls.TLSSocket` we use, duck-typed so no adapter imports `node:tls`. */
interface MaybeTlsSocket {
  encrypted?: boolean;
  getPeerCertificate?: (detailed?: boolean) => { raw?: Uint8Array } | null | undefined;
}

/**
 * The client certificate of a Node TLS connection (RFC 8705 §3: the binding is to the
 * certificate presented in the handshake), or undefined on plain TCP or without one. Never read
 * from a header: behind a TLS-terminating proxy, pass your own `peerCertificate` function.
 */
export function socketPeerCertificate(socket: unknown): PeerCertificate | undefined {
  const tls = socket as MaybeTlsSocket | undefined;
  if (tls?.encrypted !== true || typeof tls.getPeerCertificate !== 'function') return undefined;
  const certificate = tls.getPeerCertificate(false);
  const raw = certificate?.raw;
  return raw instanceof Uint8Array && raw.length > 0 ? raw : undefined;
}
