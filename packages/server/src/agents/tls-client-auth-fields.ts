import { invalid } from './agent-error.js';
import type { AgentFields } from './validate-agent-input.js';

/** True when a JWK carries an `x5c` certificate chain (RFC 8705 §2.2 self-signed certificates). */
export function hasX5c(jwk: unknown): boolean {
  const x5c = (jwk as { x5c?: unknown } | null)?.x5c;
  return Array.isArray(x5c) && x5c.length > 0;
}

/** How many RFC 8705 §2.1.2 subject fields are set. */
export function tlsSubjectCount(fields: AgentFields): number {
  return [fields.tlsClientAuthSanUri, fields.tlsClientAuthSanDns, fields.tlsClientAuthSubjectDn].filter((v) => v !== null).length;
}

/**
 * RFC 8705 §2.1.2: a `tls_client_auth` agent registers exactly one of `tls_client_auth_san_uri`,
 * `tls_client_auth_san_dns` and `tls_client_auth_subject_dn`; other agents register none, so a
 * stale subject can never authenticate an agent that moved to another method.
 */
export function checkTlsSubject(fields: AgentFields): void {
  const count = tlsSubjectCount(fields);
  if (fields.tokenEndpointAuthMethod === 'tls_client_auth' && count !== 1) {
    throw invalid('a tls_client_auth agent registers exactly one of tls_client_auth_san_uri, tls_client_auth_san_dns, tls_client_auth_subject_dn');
  }
  if (fields.tokenEndpointAuthMethod !== 'tls_client_auth' && count !== 0) {
    throw invalid('tls_client_auth_san_uri, tls_client_auth_san_dns and tls_client_auth_subject_dn are only for token_endpoint_auth_method tls_client_auth');
  }
}

/** The RFC 8705 fields that are set, for the audit record. */
export function tlsAuditFields(fields: AgentFields): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (fields.tlsClientAuthSanUri !== null) out['tls_client_auth_san_uri'] = fields.tlsClientAuthSanUri;
  if (fields.tlsClientAuthSanDns !== null) out['tls_client_auth_san_dns'] = fields.tlsClientAuthSanDns;
  if (fields.tlsClientAuthSubjectDn !== null) out['tls_client_auth_subject_dn'] = fields.tlsClientAuthSubjectDn;
  if (fields.tlsClientCertificateBoundAccessTokens) out['tls_client_certificate_bound_access_tokens'] = true;
  return out;
}
