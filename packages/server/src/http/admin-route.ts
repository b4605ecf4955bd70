import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest, RawRequestDefaultExpression, RawServerDefault, RouteGenericInterface } from 'fastify';
import type { Static, TSchema } from 'typebox';
import type { AdminPrincipal } from '../admin/authenticate-admin.js';
import type { PersonPrincipal } from '../admin/authenticate-person.js';
import type { AdminRouteDescription } from '../admin/openapi-document.js';
import type { AuditContext } from '../agents/agent-service.js';

/** What an authenticated admin route handler is given besides the request. */
export interface AdminRequestContext {
  /** Null only on the routes that need no authentication. */
  principal: AdminPrincipal | PersonPrincipal | null;
  /** Actor, source IP and request id for the audit records the handler causes. */
  audit: AuditContext;
}

/**
 * One admin API route: its description (which also feeds the OpenAPI document) and its handler.
 * A handler returns the response body, or sets the status and returns undefined for `204`.
 */
export interface AdminRoute extends AdminRouteDescription {
  handler(request: FastifyRequest, reply: FastifyReply, ctx: AdminRequestContext): Promise<unknown>;
}

/**
 * The request a route's handler is given: params, query and body typed by the very schemas
 * fastify validated them against before the handler runs (the TypeBox type provider).
 */
export type AdminRequest<S extends AdminRouteDescription['schema']> = FastifyRequest<
  RouteGenericInterface,
  RawServerDefault,
  RawRequestDefaultExpression,
  S,
  TypeBoxTypeProvider
>;

/** What a handler answers: its success schema's type, nothing for a bodiless success, anything for a stream. */
export type AdminAnswer<R extends AdminRouteDescription['success']> = R extends { mediaType: string }
  ? unknown
  : R['schema'] extends TSchema
    ? Static<R['schema']>
    : undefined;

/** A route as written: its handler typed by its own schemas. */
export type TypedAdminRoute<S extends AdminRouteDescription['schema'], R extends AdminRouteDescription['success']> = Omit<AdminRouteDescription, 'schema' | 'success'> & {
  schema: S;
  success: R;
  handler: (request: AdminRequest<S>, reply: FastifyReply, ctx: AdminRequestContext) => Promise<AdminAnswer<R>>;
};

/**
 * Declares an admin route. The handler sees its params, query and body as the route's schemas
 * describe them, and must answer what its success schema describes; the compiler checks both.
 */
export function adminRoute<const S extends AdminRouteDescription['schema'], const R extends AdminRouteDescription['success']>(route: TypedAdminRoute<S, R>): AdminRoute {
  return route;
}
