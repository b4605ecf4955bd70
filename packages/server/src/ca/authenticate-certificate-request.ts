import { SCOPE_CERT } from '@agentauth/protocol';
import { checkOwnApiToken, type OwnApiTokenDeps } from '../oauth/own-api-token.js';

export type CertificateRequestAuthDeps = OwnApiTokenDeps;

/** The agent a certificate may be issued to, or why not (RFC 6750 §3.1 error codes). */
export type CertificateRequestAuth =
  | { ok: true; agentId: string }
  | { ok: false; status: 401 | 403; error: 'invalid_token' | 'insufficient_scope'; reason: string; agentId: string | null };

/**
 * Authenticates a certificate request (JSON API, EST simpleenroll) by its bearer access token, the
 * same way the admin API does (one validation path for our tokens: ARCHITECTURE.md, Packages): an
 * RFC 9068 token of ours, verified by the resource-server SDK with the issuer as audience, not
 * revoked (RFC 7009), whose agent (`sub`, and `client_id` if another) exists, is active and has not
 * revoked it, and which carries the scope `agentauth:cert` (403 `insufficient_scope` otherwise).
 * The certificate names `sub`.
 *
 * Does NOT check sender constraints: DPoP- and certificate-bound tokens are refused by the SDK.
 */
export function createCertificateRequestAuthenticator(deps: CertificateRequestAuthDeps): (authorization: string | undefined) => Promise<CertificateRequestAuth> {
  const refuse = (reason: string, agentId: string | null = null): CertificateRequestAuth => ({ ok: false, status: 401, error: 'invalid_token', reason, agentId });
  return async (authorization) => {
    const checked = await checkOwnApiToken(deps, authorization, SCOPE_CERT);
    if (checked.ok) return { ok: true, agentId: checked.agentId };
    if (checked.status === 403) return { ok: false, status: 403, error: 'insufficient_scope', reason: checked.reason, agentId: checked.agentId };
    return refuse(checked.reason, checked.agentId);
  };
}
