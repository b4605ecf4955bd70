import type { X509Certificate } from 'node:crypto';

/** How often (seconds) relying parties should refetch the bundle (SPIFFE Trust Domain and Bundle §4.1.2). */
export const BUNDLE_REFRESH_HINT = 300;

/** Public JWK members we publish; anything else node:crypto exports is dropped. */
const MEMBERS = ['kty', 'crv', 'x', 'y', 'n', 'e'] as const;

/**
 * The SPIFFE bundle (SPIFFE Trust Domain and Bundle §4, a JWK Set): one key per X.509 authority
 * (`use: "x509-svid"`, `x5c` holding exactly that CA certificate, §4.2.2), plus the refresh hint.
 * The authorities are the trust anchors (roots); issuing CAs travel in every SVID's chain.
 */
export function spiffeBundle(authorities: readonly X509Certificate[]): { keys: Record<string, unknown>[]; spiffe_refresh_hint: number } {
  return {
    keys: authorities.map((certificate) => {
      const jwk = certificate.publicKey.export({ format: 'jwk' }) as Record<string, unknown>;
      const key: Record<string, unknown> = { use: 'x509-svid' };
      for (const name of MEMBERS) if (jwk[name] !== undefined) key[name] = jwk[name];
      key['x5c'] = [certificate.raw.toString('base64')];
      return key;
    }),
    spiffe_refresh_hint: BUNDLE_REFRESH_HINT,
  };
}
