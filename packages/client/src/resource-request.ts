import type { DpopKey } from './dpop.js';
import { InsufficientScopeError } from './insufficient-scope-error.js';
import { parseWwwAuthenticate } from './lib/www-authenticate.js';

/** The part of an access token a resource request needs. */
export interface PresentedToken {
  accessToken: string;
  tokenType: 'Bearer' | 'DPoP';
}

/** One request to a resource server with an access token (see {@link sendWithToken}). */
export interface ResourceRequest<T extends PresentedToken> {
  url: URL;
  init: RequestInit;
  fetch: typeof fetch;
  dpop: DpopKey | undefined;
  token: T;
  /**
   * A fresh token after a 401, for a token the agent can replace (its own, from the cache);
   * absent for a token the caller handed over, which cannot be replaced.
   */
  renew?: (refused: T) => Promise<T>;
}

/**
 * Sends `init` to `url` with the token in the scheme its type says: `Authorization: DPoP` plus a
 * proof with `ath` made with the agent's DPoP key (RFC 9449 §7.1), else `Authorization: Bearer`
 * (RFC 6750 §2.1). Retries once on the resource server's `use_dpop_nonce` with its new nonce
 * (RFC 9449 §9), and once on another 401 when `renew` can give a fresh token. A 403
 * `insufficient_scope` throws InsufficientScopeError. A body that is a stream is sent once.
 * Does NOT check that the token is meant for `url`: the caller chose it.
 */
export async function sendWithToken<T extends PresentedToken>(request: ResourceRequest<T>): Promise<Response> {
  const { url, fetch, dpop, renew } = request;
  const method = (request.init.method ?? 'GET').toUpperCase();
  const replayable = !(request.init.body instanceof ReadableStream);
  let token = request.token;
  if (token.tokenType === 'DPoP' && dpop === undefined) {
    throw new TypeError('a DPoP-bound token needs the agent to hold its DPoP key (createAgent with dpop: true)');
  }
  let freshTokenTried = false;
  let nonceTried = false;
  for (;;) {
    const headers = new Headers(request.init.headers);
    headers.set('authorization', `${token.tokenType} ${token.accessToken}`);
    if (token.tokenType === 'DPoP' && dpop !== undefined) headers.set('dpop', await dpop.proof(method, url, token.accessToken));
    const response = await fetch(url, { ...request.init, method, headers });
    const nonceChanged = dpop?.rememberNonce(url, response) ?? false;
    if (response.status !== 401 && response.status !== 403) return response;
    const challenges = parseWwwAuthenticate(response.headers.get('www-authenticate'));
    const errors = challenges.map((c) => c.params['error']);
    if (response.status === 403 && errors.includes('insufficient_scope')) {
      await response.body?.cancel();
      const challenge = challenges.find((c) => c.params['error'] === 'insufficient_scope');
      throw new InsufficientScopeError(`${url.origin}${url.pathname}`, challenge?.params['scope'], challenge?.params['error_description']);
    }
    if (response.status !== 401 || !replayable) return response;
    if (errors.includes('use_dpop_nonce') && nonceChanged && !nonceTried) {
      nonceTried = true;
      await response.body?.cancel();
      continue;
    }
    if (renew === undefined || freshTokenTried) return response;
    freshTokenTried = true;
    await response.body?.cancel();
    token = await renew(token);
  }
}
