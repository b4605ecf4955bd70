import type { ClientCertificate } from './mtls/client-certificate.js';

/**
 * A protocol request as the framework-free core sees it: the HTTP layer hands in the raw form body
 * and the few headers that matter, and renders the `OAuthResponse` (or the thrown `OAuthError`).
 */
export interface OAuthRequest {
  /** The raw `application/x-www-form-urlencoded` body (size already bounded by the HTTP layer). */
  body: string;
  authorization: string | undefined;
  sourceIp: string | null;
  requestId: string;
  /**
   * Every value of a request header (lower-case name), in order: a header sent twice yields two
   * values, so callers can refuse duplicates (e.g. two `DPoP` headers, RFC 9449 §4.3).
   */
  headerValues(name: string): string[];
  /**
   * RFC 8705: the client certificate of a mutual-TLS connection (or from a trusted proxy's
   * header), not yet verified. Absent on plain connections.
   */
  clientCertificate?: ClientCertificate;
}

export interface OAuthResponse {
  status: number;
  body: unknown;
  headers: Record<string, string>;
}

/** RFC 6749 §5.1: token responses (and anything carrying token data) MUST NOT be cached. */
export const NO_STORE_HEADERS: Readonly<Record<string, string>> = { 'cache-control': 'no-store', pragma: 'no-cache' };
