import { invalidRequest } from '../oauth-error.js';
import { BEARER, type SenderConstraint, type SenderConstraintCheck } from '../sender-constraint.js';

/**
 * RFC 8705 §3: certificate-bound access tokens. An agent registered with
 * `tls_client_certificate_bound_access_tokens: true` (§3.4) gets a token whose `cnf` carries
 * `x5t#S256` (§3.1) of the certificate it presented on this connection, and it ONLY ever gets
 * such tokens: a request without a client certificate is refused with `invalid_request` (the
 * request lacks what this client's registration makes required; RFC 6749 §5.2), the same rule
 * RFC 9449 §5.2 sets for `dpop_bound_access_tokens`.
 *
 * Other agents get no certificate binding even over mutual TLS: binding a token the client did
 * not ask to have bound would break every resource server it calls without mutual TLS.
 *
 * The certificate is the one client authentication saw: with `tls_client_auth` it is verified;
 * with another method, the TLS handshake proved possession of its private key, which is all that
 * binding needs (RFC 8705 §3: the binding is to the certificate, whoever issued it).
 */
export function certificateBinding(): SenderConstraintCheck {
  return async ({ request, client }) => {
    if (client.client.agent.tlsClientCertificateBoundAccessTokens !== true) return BEARER;
    const certificate = request.clientCertificate;
    if (certificate === undefined) throw invalidRequest('this client gets certificate-bound tokens only, and presented no client certificate');
    const constraint: SenderConstraint = {
      cnf: { 'x5t#S256': certificate.thumbprint },
      tokenType: 'Bearer',
      replayClaims: [],
      headers: {},
      auditDetails: { 'x5t#S256': certificate.thumbprint, certificate_source: certificate.source },
    };
    return constraint;
  };
}
