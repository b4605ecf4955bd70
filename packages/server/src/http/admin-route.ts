import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AdminPrincipal } from '../admin/authenticate-admin.js';
import type { AdminRouteDescription } from '../admin/openapi-document.js';
import type { AuditContext } from '../agents/agent-service.js';

/** What an authenticated admin route handler is given besides the request. */
export interface AdminRequestContext {
  /** Null only on the routes that need no authentication. */
  principal: AdminPrincipal | null;
  /** Actor, source IP and request id for the audit records the handler causes. */
  audit: AuditContext;
}

/**
 * One admin API route: its description (which also feeds the OpenAPI document) and its handler.
 * A handler returns the response body, or sets the status and returns undefined for `204`.
 */
export interface AdminRoute extends AdminRouteDescription {
  handler: (request: FastifyRequest, reply: FastifyReply, ctx: AdminRequestContext) => Promise<unknown>;
}
