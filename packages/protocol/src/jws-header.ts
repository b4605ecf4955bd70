/**
 * JOSE header parameters refused in every JWT verified with a key the verifier already trusts
 * (our access tokens, client assertions, trusted issuers' tokens, Security Event Tokens):
 *
 * - `jwk`, `jku`, `x5u`, `x5c`, `x5t`, `x5t#S256` (RFC 7515 §4.1.3-4.1.8) would let the token
 *   carry, point at or pick its own key or certificate; the key comes only from what the verifier
 *   trusts, never from the token (RFC 8725 §3.10).
 * - `crit` (RFC 7515 §4.1.11) names extensions the verifier must understand, and none is.
 * - `b64` (RFC 7797 §3) would change what the signature covers; JWTs never use it (RFC 7797 §7).
 *
 * A DPoP proof is the exception by design (its `jwk` is the key it proves, RFC 9449 §4.2) and is
 * checked by its own rules.
 */
export const REFUSED_JWS_HEADERS = ['jwk', 'jku', 'x5u', 'x5c', 'x5t', 'x5t#S256', 'crit', 'b64'] as const;

/** RFC 9449 §4.2 JOSE header `typ` of a DPoP proof. */
export const DPOP_PROOF_TYP = 'dpop+jwt';
