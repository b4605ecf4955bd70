import { parseScope } from '@agentauth/protocol';
import { toResourceList } from '../client-credentials.js';

/** What {@link Agent.getToken} asks for. */
export interface TokenRequest {
  /** RFC 8707 resource indicator: the API the token is for. */
  resource?: string;
  /** RFC 6749 §3.3 space-separated scopes. */
  scope?: string;
}

/** Checks a token request's shape (misuse is a TypeError). */
export function checkTokenRequest(request: TokenRequest): { resource: string | undefined; scope: string | undefined } {
  if (typeof request !== 'object' || request === null) throw new TypeError('the token request must be an object');
  const { resource, scope } = request;
  if (resource !== undefined) toResourceList(resource);
  if (scope !== undefined && (typeof scope !== 'string' || scope === '' || parseScope(scope) === undefined)) {
    throw new TypeError('scope must be space-separated RFC 6749 §3.3 scope tokens');
  }
  return { resource, scope };
}

/** The token cache's key: the resource and the set of scopes, order-free. */
export function cacheKey(resource: string | undefined, scope: string | undefined): string {
  const scopes = scope === undefined ? '' : [...new Set(scope.split(' '))].sort().join(' ');
  return `${resource ?? ''}\n${scopes}`;
}
