import type { OAuthErrorBody } from '@agentauth/protocol';
import type { AuthScheme, VerificationError } from './verification-error.js';

/** A framework-neutral HTTP answer; every adapter writes exactly this. */
export interface ErrorResponse {
  status: 400 | 401 | 403 | 503;
  headers: Record<string, string>;
  /** RFC 6750 §3 / RFC 9449 §7.1 error body; none for a request without any token. */
  body: OAuthErrorBody | undefined;
}

/** What the challenge advertises about this service. */
export interface ChallengeContext {
  /** RFC 9728 §5.1 `resource_metadata`: where clients discover the authorization server. */
  resourceMetadataUrl: string;
  /** RFC 9449 §7.1 `algs` of the `DPoP` challenge; empty when DPoP is not accepted. */
  dpopAlgorithms: readonly string[];
  /** Whether the `Bearer` scheme is accepted at all (off when every token must be DPoP-bound). */
  bearerAccepted: boolean;
}

/** RFC 7235 §2.1 quoted-string: our values are fixed texts and URLs, but never trust that blindly. */
function quote(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`).replace(/[\r\n]/g, ' ')}"`;
}

function challenge(scheme: AuthScheme, error: VerificationError, context: ChallengeContext): string {
  const params: string[] = [];
  if (error.error !== undefined) {
    params.push(`error=${quote(error.error)}`, `error_description=${quote(error.error_description)}`);
    if (error.requiredScopes !== undefined && error.requiredScopes.length > 0) params.push(`scope=${quote(error.requiredScopes.join(' '))}`);
  }
  if (scheme === 'DPoP' && context.dpopAlgorithms.length > 0) params.push(`algs=${quote(context.dpopAlgorithms.join(' '))}`);
  params.push(`resource_metadata=${quote(context.resourceMetadataUrl)}`);
  return `${scheme} ${params.join(', ')}`;
}

/**
 * The HTTP answer to a refused request: RFC 6750 §3 (`WWW-Authenticate: Bearer` with `error`,
 * `error_description` and, for `insufficient_scope`, `scope`), RFC 9449 §7.1 (`DPoP` with
 * `algs`; `DPoP-Nonce` for `use_dpop_nonce`, §9) and RFC 9728 §5.1 (`resource_metadata`).
 * A request without any token is answered with a challenge for each accepted scheme and no
 * `error` (RFC 6750 §3.1). A fail-closed refusal (revocation feed or keys unavailable) is 503
 * with `Retry-After`, not a 401: the token may be fine, and a client must not discard it.
 */
export function errorResponse(error: VerificationError, context: ChallengeContext): ErrorResponse {
  const headers: Record<string, string> = { 'cache-control': 'no-store' };
  if (error.status === 503) {
    headers['retry-after'] = '5';
    return { status: 503, headers, body: { error: 'temporarily_unavailable', error_description: error.error_description } };
  }
  let schemes: AuthScheme[];
  if (error.scheme !== undefined) schemes = [error.scheme];
  else {
    schemes = [];
    if (context.bearerAccepted) schemes.push('Bearer');
    if (context.dpopAlgorithms.length > 0) schemes.push('DPoP');
  }
  headers['www-authenticate'] = schemes.map((scheme) => challenge(scheme, error, context)).join(', ');
  if (error.dpopNonce !== undefined) headers['dpop-nonce'] = error.dpopNonce;
  const body = error.error === undefined ? undefined : { error: error.error, error_description: error.error_description };
  if (body !== undefined) headers['content-type'] = 'application/json';
  return { status: error.status, headers, body };
}
