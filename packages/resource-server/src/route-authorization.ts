import type { AuthZenResource } from '@agentauth/protocol';
import { evaluationRequest } from './authorization-client.js';
import type { Principal } from './principal.js';
import type { ResourceServer } from './resource-server.js';
import { VerificationError } from './verification-error.js';

/**
 * A route's fine-grained question to the PDP (AuthZEN 1.0 §6), asked by an adapter after the
 * token is verified and the route's checks pass: may this principal do `action` on the resource
 * this request names? `R` is the adapter's request (a Web `Request`, a fastify or express
 * request, a hono context, a `node:http` request), so `resource` can read path parameters.
 */
export interface RouteAuthorization<R> {
  /** The AuthZEN action name (`"read"`, `"can_update_todo"`), or a function of the request. */
  action: string | ((request: R, principal: Principal) => string);
  /** The AuthZEN resource `{ type, id, properties? }` the request is about. */
  resource: (request: R, principal: Principal) => AuthZenResource;
  /** The AuthZEN context, when the policies need one. */
  context?: (request: R, principal: Principal) => Record<string, unknown> | undefined;
}

/** Checks a route's {@link RouteAuthorization} when the adapter is created (misuse is a TypeError, at once). */
export function checkRouteAuthorization(value: unknown): void {
  if (value === undefined) return;
  if (typeof value !== 'object' || value === null) throw new TypeError('authorize must be an object');
  const route = value as Partial<Record<keyof RouteAuthorization<unknown>, unknown>>;
  if (typeof route.action !== 'function' && (typeof route.action !== 'string' || route.action === '')) throw new TypeError('authorize.action must be a non-empty string or a function');
  if (typeof route.resource !== 'function') throw new TypeError('authorize.resource must be a function of the request');
  if (route.context !== undefined && typeof route.context !== 'function') throw new TypeError('authorize.context must be a function of the request');
}

/**
 * Asks `rs.authorize` the route's question for the token's agent. A `false` (a denial, or no
 * answer: the PDP client fails closed) throws `ERR_ACCESS_DENIED`, which the adapters answer with
 * 403 `insufficient_scope` (RFC 6750 §3.1), as they answer every other refusal.
 */
export async function authorizeRoute<R>(rs: ResourceServer, route: RouteAuthorization<R>, request: R, principal: Principal): Promise<void> {
  const action = typeof route.action === 'function' ? route.action(request, principal) : route.action;
  const resource = route.resource(request, principal);
  const context = route.context?.(request, principal);
  const denied = new VerificationError('ERR_ACCESS_DENIED', { scheme: principal.binding === 'dpop' ? 'DPoP' : 'Bearer' });
  try {
    evaluationRequest(principal, action, resource, context);
  } catch (error) {
    // A question this request makes unaskable (`/orders/` names no order: an empty id) is refused, not a server error.
    if (error instanceof TypeError) throw denied;
    throw error;
  }
  if (!(await rs.authorize(principal, action, resource, context))) throw denied;
}
