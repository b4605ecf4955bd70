import type { FastifyInstance, FastifyReply, FastifyRequest, preHandlerAsyncHookHandler, RouteGenericInterface } from 'fastify';
import type { PeerCertificate } from '../certificate-thumbprint.js';
import type { Principal } from '../principal.js';
import type { PrincipalCheck } from '../principal-checks.js';
import { authorizeRoute, checkRouteAuthorization, type RouteAuthorization } from '../route-authorization.js';
import type { ResourceServer } from '../resource-server.js';
import type { VerificationError } from '../verification-error.js';
import { socketPeerCertificate } from '../node/socket-peer-certificate.js';
import { migrationHeaders } from './migration-headers.js';
import { reportRefusal, type OnRefused } from './refusal-hook.js';
export type { OnRefused } from './refusal-hook.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified caller, set by {@link fastifyAgentAuth}; null on routes it does not guard. */
    agentauth: Principal | null;
  }
}

/** Options of {@link fastifyAgentAuth}. */
export interface FastifyAdapterOptions {
  checks?: readonly PrincipalCheck[];
  /**
   * A fine-grained question to the authorization server's AuthZEN PDP, asked after the checks pass
   * (`rs.authorize`, which needs the `authorization` option); a `false` is answered 403.
   */
  authorize?: RouteAuthorization<FastifyRequest>;
  /** Default: the certificate of the request's own TLS connection. */
  peerCertificate?: (request: FastifyRequest) => PeerCertificate | undefined;
  /**
   * Hears each refusal with the request (see {@link OnRefused}). Default: `request.log.debug` with the code and status (fastify's own logger and level).
   */
  onRefused?: OnRefused<FastifyRequest>;
}

/** The default {@link FastifyAdapterOptions.onRefused}: the code, never the credential. */
function logRefusal(error: VerificationError, request: FastifyRequest): void {
  request.log.debug({ code: error.code, status: error.status }, 'agentauth: request refused');
}

/**
 * Registers what every guarded fastify app needs, at the scope it is called on: the
 * `request.agentauth` decoration and the RFC 9728 metadata route (`GET`
 * `/.well-known/oauth-protected-resource[/path]`).
 */
export async function registerAgentAuth(app: FastifyInstance, rs: ResourceServer): Promise<void> {
  if (!app.hasRequestDecorator('agentauth')) app.decorateRequest('agentauth', null);
  app.get(rs.metadataPath, async (_request, reply) => reply.header('cache-control', 'public, max-age=300').type('application/json').send(rs.metadata()));
}

/**
 * A `preHandler` that verifies the request (see `createResourceServer`) and sets
 * `request.agentauth`, or answers 401/403/503 with the RFC 6750 / RFC 9449 headers. Call
 * {@link registerAgentAuth} once first. Headers are read from `headersDistinct`, so a repeated
 * `Authorization` header is seen (and refused) rather than silently dropped by Node.
 */
export function fastifyAgentAuth(rs: ResourceServer, options: FastifyAdapterOptions = {}): preHandlerAsyncHookHandler {
  checkRouteAuthorization(options.authorize);
  return async function agentAuthPreHandler(request: FastifyRequest, reply: FastifyReply) {
    try {
      request.agentauth = await rs.verify(
        {
          method: request.method,
          url: request.raw.url ?? request.url,
          headers: request.raw.headersDistinct,
          peerCertificate: options.peerCertificate ? options.peerCertificate(request) : socketPeerCertificate(request.raw.socket),
        },
        { checks: options.checks ?? [] },
      );
      // A managed key during its migration window: RFC 9745 Deprecation and RFC 8594 Sunset.
      void reply.headers(migrationHeaders(request.agentauth));
      if (options.authorize !== undefined) await authorizeRoute(rs, options.authorize, request, request.agentauth);
    } catch (error) {
      const answer = rs.errorResponse(error);
      reportRefusal(options.onRefused ?? logRefusal, error, request);
      await reply.code(answer.status).headers(answer.headers).send(answer.body ?? '');
    }
  };
}

/** A request on a route {@link fastifyAuthenticatedRoute} guards: its principal is never null. */
export type AuthenticatedRequest<RouteGeneric extends RouteGenericInterface = RouteGenericInterface> = FastifyRequest<RouteGeneric> & { agentauth: Principal };

/** The route options {@link fastifyAuthenticatedRoute} returns. */
export interface AuthenticatedRouteOptions<RouteGeneric extends RouteGenericInterface = RouteGenericInterface> {
  preHandler: preHandlerAsyncHookHandler;
  handler: (request: FastifyRequest<RouteGeneric>, reply: FastifyReply<RouteGeneric>) => unknown;
}

/**
 * A route that requires authentication, typed so: `app.get('/orders', fastifyAuthenticatedRoute(rs,
 * async (request) => request.agentauth.agentId, { checks }))`. Its `preHandler` is
 * {@link fastifyAgentAuth}, and `handler` sees `request.agentauth` as a `Principal`, never null.
 * Call {@link registerAgentAuth} once first. Spread the result to add route options of your own.
 */
export function fastifyAuthenticatedRoute<RouteGeneric extends RouteGenericInterface = RouteGenericInterface>(
  rs: ResourceServer,
  handler: (request: AuthenticatedRequest<RouteGeneric>, reply: FastifyReply<RouteGeneric>) => unknown,
  options: FastifyAdapterOptions = {},
): AuthenticatedRouteOptions<RouteGeneric> {
  if (typeof handler !== 'function') throw new TypeError('handler must be a function');
  return {
    preHandler: fastifyAgentAuth(rs, options),
    handler(request, reply) {
      // The preHandler answers every refusal, so this runs with a principal; if a change of
      // wiring ever skipped it, fail closed rather than hand the route a null caller.
      if (request.agentauth === null) throw new TypeError('no principal: the route lost its fastifyAgentAuth preHandler');
      return handler(request as AuthenticatedRequest<RouteGeneric>, reply);
    },
  };
}
