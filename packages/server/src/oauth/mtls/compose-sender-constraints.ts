import { invalidRequest } from '../oauth-error.js';
import { BEARER, type SenderConstraint, type SenderConstraintCheck } from '../sender-constraint.js';

/**
 * Runs several sender-constraint checks (RFC 9449 DPoP, RFC 8705 certificate binding) on one
 * token request and keeps the one that binds. One binding per token: if two checks both bind
 * (a DPoP proof from an agent registered for certificate-bound tokens), the request is refused
 * with `invalid_request`. Neither RFC defines a token bound both ways, and a resource server that
 * checks only one of the two would accept a token stolen along with the other key.
 *
 * In practice: DPoP binds when a proof is sent (RFC 9449 §5); certificate binding applies to
 * agents registered with `tls_client_certificate_bound_access_tokens`. Every check runs, in
 * order, so each can refuse on its own terms; a refusal stops the request.
 */
export function composeSenderConstraints(...checks: (SenderConstraintCheck | undefined)[]): SenderConstraintCheck | undefined {
  const present = checks.filter((c): c is SenderConstraintCheck => c !== undefined);
  if (present.length <= 1) return present[0];
  return async (context) => {
    const binding: SenderConstraint[] = [];
    let headers: Record<string, string> = {};
    for (const check of present) {
      const constraint = await check(context);
      headers = { ...headers, ...constraint.headers };
      if (constraint.cnf !== undefined) binding.push(constraint);
    }
    if (binding.length > 1) throw invalidRequest('a token is bound either by DPoP or by the client certificate, not both');
    const chosen = binding[0] ?? BEARER;
    return { ...chosen, headers: { ...headers, ...chosen.headers } };
  };
}
