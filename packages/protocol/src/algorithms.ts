/**
 * Asymmetric JWS algorithms we sign with and accept (RFC 7518 §3, RFC 8037 §3.1).
 * HMAC and `none` are never accepted for anything we trust by public key (RFC 8725 §3.1).
 */
export const SIGNING_ALGS = ['ES256', 'EdDSA', 'PS256'] as const;
export type SigningAlg = (typeof SIGNING_ALGS)[number];
