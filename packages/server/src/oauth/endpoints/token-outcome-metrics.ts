import type { ServerMetrics, TokenBinding } from '../../metrics/server-metrics.js';
import { StorageUnavailableError } from '../../store/ports/storage-unavailable-error.js';
import { OAuthError } from '../oauth-error.js';
import type { OAuthRequest, OAuthResponse } from '../oauth-request.js';
import type { SenderConstraint } from '../sender-constraint.js';

/** What the token endpoint learnt of a request on its way, for counting its outcome. */
export interface TokenSeen {
  /** `grant_type`, once the form parsed and named one. */
  grantType: string | undefined;
  /** The sender constraint decided for the token, once it was. */
  binding: TokenBinding | undefined;
}

/** The binding a sender constraint puts in `cnf`: RFC 9449 `jkt`, RFC 8705 `x5t#S256`, or none. */
export function bindingOf(constraint: Pick<SenderConstraint, 'cnf'>): TokenBinding {
  if (constraint.cnf?.jkt !== undefined) return 'dpop';
  return constraint.cnf?.['x5t#S256'] === undefined ? 'bearer' : 'mtls';
}

/**
 * Counts what `/token` answered, once it has answered: a token issued by grant type and binding,
 * or a refusal by grant type, OAuth error code and the binding the request asked for (a `DPoP`
 * header, a client certificate). Counting only increments in memory and never throws; the answer,
 * or the error, passes through unchanged.
 */
export async function countTokenOutcome(
  metrics: Pick<ServerMetrics, 'tokenIssued' | 'tokenRefused'>,
  request: OAuthRequest,
  seen: TokenSeen,
  answer: Promise<OAuthResponse>,
): Promise<OAuthResponse> {
  try {
    const response = await answer;
    if (response.status === 200) metrics.tokenIssued(seen.grantType ?? 'other', seen.binding ?? tokenTypeBinding(response));
    else metrics.tokenRefused(seen.grantType, errorOf(response), bindingAsked(request));
    return response;
  } catch (error) {
    metrics.tokenRefused(seen.grantType, codeOf(error), bindingAsked(request));
    throw error;
  }
}

/** People's clients' tokens (authorization_code, refresh_token): DPoP-bound or bearer. */
function tokenTypeBinding(response: OAuthResponse): TokenBinding {
  return (response.body as { token_type?: unknown } | undefined)?.token_type === 'DPoP' ? 'dpop' : 'bearer';
}

function bindingAsked(request: OAuthRequest): TokenBinding {
  if (request.headerValues('dpop').length > 0) return 'dpop';
  return request.clientCertificate === undefined ? 'bearer' : 'mtls';
}

function errorOf(response: OAuthResponse): string {
  const error = (response.body as { error?: unknown } | undefined)?.error;
  return typeof error === 'string' ? error : 'other';
}

/** The OAuth error code the HTTP layer renders for `error` (http/render-oauth-error.ts). */
function codeOf(error: unknown): string {
  if (error instanceof OAuthError) return error.code;
  if (error instanceof StorageUnavailableError) return 'temporarily_unavailable';
  return 'server_error';
}
