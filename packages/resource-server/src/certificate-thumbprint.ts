import { encodeBase64url } from './lib/base64url.js';

/** A TLS peer certificate: its DER bytes, or an object carrying them (Node's `PeerCertificate.raw`). */
export type PeerCertificate = Uint8Array | { raw: Uint8Array };

/**
 * RFC 8705 §3.1 `x5t#S256`: base64url(SHA-256(DER of the certificate)), computed with Web Crypto.
 * Returns undefined for something that is not a non-empty byte array.
 */
export async function certificateThumbprint(certificate: PeerCertificate): Promise<string | undefined> {
  const der = certificate instanceof Uint8Array ? certificate : (certificate as { raw?: unknown }).raw;
  if (!(der instanceof Uint8Array) || der.length === 0) return undefined;
  const digest = await crypto.subtle.digest('SHA-256', new Uint8Array(der));
  return encodeBase64url(new Uint8Array(digest));
}
