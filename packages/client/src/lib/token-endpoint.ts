import type { TokenResponse } from '@agentauth/protocol';

import type { DpopKey } from '../dpop.js';
import { OAuthClientError } from '../oauth-client-error.js';
import { readJsonObject } from './read-json.js';
import { fetchRetryable } from './retry.js';
import { toOAuthError, toTokenResponse } from './token-response.js';

/** One POST to the token endpoint. */
export interface TokenEndpointRequest {
  endpoint: string;
  /** Builds the form anew for every attempt: a client assertion is single-use (RFC 7523 §3). */
  form: () => Promise<URLSearchParams>;
  dpop: DpopKey | undefined;
  fetch: typeof fetch;
}

/**
 * Posts a token request (RFC 6749 §3.2), with a DPoP proof (RFC 9449 §5) when `dpop` is given.
 * On `use_dpop_nonce` with a new `DPoP-Nonce` (RFC 9449 §8) it retries once with a fresh proof and
 * assertion. Network failures and 5xx become `RetryableError` (the caller decides to retry); a
 * 4xx is an {@link OAuthClientError}, never retried.
 */
export async function postTokenRequest(request: TokenEndpointRequest): Promise<TokenResponse> {
  for (let attempt = 0; ; attempt++) {
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
    if (request.dpop !== undefined) headers['dpop'] = await request.dpop.proof('POST', request.endpoint);
    const response = await fetchRetryable(request.fetch, request.endpoint, { method: 'POST', headers, body: await request.form(), redirect: 'error' });
    const nonceChanged = request.dpop?.rememberNonce(request.endpoint, response) ?? false;
    const body = await readJsonObject(response);
    if (response.status === 200) return toTokenResponse(body, response.status);
    const error = toOAuthError(body, response.status);
    if (attempt === 0 && nonceChanged && error instanceof OAuthClientError && error.error === 'use_dpop_nonce') continue;
    throw error;
  }
}
