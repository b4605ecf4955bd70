import {
  CLIENT_ASSERTION_TYPE_JWT_BEARER,
  GRANT_CLIENT_CREDENTIALS,
  parseScope,
  type TokenResponse,
} from '@agentauth/protocol';

import { checkEndpointUrl } from './lib/endpoint-url.js';
import { readJsonObject } from './lib/read-json.js';
import { toOAuthError, toTokenResponse } from './lib/token-response.js';

/** Options of {@link requestClientCredentialsToken}. */
export interface ClientCredentialsOptions {
  /** `token_endpoint` from {@link discover}. */
  tokenEndpoint: string;
  clientId: string;
  /** A fresh assertion from {@link createClientAssertion}; single-use. Required unless `tlsClientAuth`. */
  assertion?: string;
  /**
   * RFC 8705 §2: the client authenticates with the certificate it presents on the TLS connection
   * (`tls_client_auth`, `self_signed_tls_client_auth`), so no assertion is sent. The connection is
   * `fetch`'s: give one that presents the certificate, to the `mtls_endpoint_aliases` token endpoint.
   */
  tlsClientAuth?: true;
  /** RFC 6749 §3.3 space-separated scopes. */
  scope?: string;
  /** RFC 8707 §2 resource indicators: absolute URIs, one `resource` parameter each. */
  resource?: string | string[];
  fetch?: typeof fetch;
  signal?: AbortSignal;
}

/**
 * Requests an access token with the RFC 6749 §4.4 client credentials grant, authenticating with
 * an RFC 7523 §2.2 client assertion (`private_key_jwt`), or with the TLS client certificate
 * (RFC 8705 §2, `tlsClientAuth`). The body is form-encoded; `client_id` is sent too (RFC 7521 §4.2
 * allows it, RFC 8705 §2 requires it), so the server can find the client before verifying.
 *
 * Throws TypeError on misuse (a token endpoint that is not https outside loopback, an empty
 * client id, not exactly one of an assertion and `tlsClientAuth`, a malformed scope or resource). Throws OAuthClientError for an
 * RFC 6749 §5.2 error response, and UnexpectedResponseError for an answer that is neither a
 * valid token response (§5.1) nor a valid error. Neither error carries the assertion.
 * Network failures from `fetch` propagate unchanged.
 *
 * Does not verify the access token: to the client it is opaque (RFC 6749 §1.4).
 */
export async function requestClientCredentialsToken(options: ClientCredentialsOptions): Promise<TokenResponse> {
  if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object');
  const endpoint = checkEndpointUrl(options.tokenEndpoint, 'tokenEndpoint');
  if (typeof options.clientId !== 'string' || options.clientId === '') throw new TypeError('clientId must be a non-empty string');
  if (options.tlsClientAuth !== undefined && options.tlsClientAuth !== true) throw new TypeError('tlsClientAuth must be true when given');
  if (options.tlsClientAuth === true) {
    if (options.assertion !== undefined) throw new TypeError('give an assertion or tlsClientAuth, not both');
  } else if (typeof options.assertion !== 'string' || options.assertion === '') {
    throw new TypeError('assertion must be a non-empty string (or pass tlsClientAuth: true)');
  }

  const form = new URLSearchParams();
  form.set('grant_type', GRANT_CLIENT_CREDENTIALS);
  form.set('client_id', options.clientId);
  if (options.assertion !== undefined) {
    form.set('client_assertion_type', CLIENT_ASSERTION_TYPE_JWT_BEARER);
    form.set('client_assertion', options.assertion);
  }
  if (options.scope !== undefined) {
    if (typeof options.scope !== 'string' || parseScope(options.scope) === undefined || options.scope === '') {
      throw new TypeError('scope must be space-separated RFC 6749 §3.3 scope tokens');
    }
    form.set('scope', options.scope);
  }
  for (const resource of toResourceList(options.resource)) form.append('resource', resource);

  const doFetch = options.fetch ?? fetch;
  const response = await doFetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: form,
    redirect: 'error',
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  const body = await readJsonObject(response);
  if (response.status !== 200) throw toOAuthError(body, response.status);
  return toTokenResponse(body, response.status);
}

/** RFC 8707 §2: each resource is an absolute URI without a fragment. */
export function toResourceList(resource: string | string[] | undefined): string[] {
  if (resource === undefined) return [];
  const list = Array.isArray(resource) ? resource : [resource];
  for (const item of list) {
    let url: URL | undefined;
    try {
      url = typeof item === 'string' ? new URL(item) : undefined;
    } catch {
      url = undefined;
    }
    if (url === undefined || url.hash !== '' || item.includes('#')) {
      throw new TypeError('each resource must be an absolute URI without a fragment (RFC 8707 §2)');
    }
  }
  return list;
}
