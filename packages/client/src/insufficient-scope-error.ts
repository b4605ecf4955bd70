import type { OAuthErrorFields } from '@agentauth/protocol';

/**
 * A resource server refused a request with RFC 6750 §3.1 `insufficient_scope` (HTTP 403): the
 * token is valid but does not carry the scope the resource needs. Retrying with the same scope
 * cannot help; ask the operator to allow the scope named in `requiredScope`, then request it.
 */
export class InsufficientScopeError extends Error implements OAuthErrorFields {
  override readonly name = 'InsufficientScopeError';
  /** Always `insufficient_scope`, for code that branches on OAuth error codes. */
  readonly error = 'insufficient_scope';
  /** The challenge's `error_description` (RFC 6750 §3), when it gave one. */
  readonly error_description: string | undefined;
  readonly status = 403;
  /** The `scope` the challenge named (RFC 6750 §3), when it named one. */
  readonly requiredScope: string | undefined;
  /** The URL that refused, without its query. */
  readonly url: string;

  constructor(url: string, requiredScope: string | undefined, errorDescription?: string) {
    super(requiredScope === undefined ? `insufficient_scope at ${url}` : `insufficient_scope at ${url}: needs "${requiredScope}"`);
    this.url = url;
    this.requiredScope = requiredScope;
    this.error_description = errorDescription;
  }
}
