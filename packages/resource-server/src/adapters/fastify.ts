import type { FastifyInstance, FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import type { PeerCertificate } from '../certificate-thumbprint.js';
import type { Principal } from '../principal.js';
import type { PrincipalCheck } from '../principal-checks.js';
import type { ResourceServer } from '../resource-server.js';
import { socketPeerCertificate } from '../node/socket-peer-certificate.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified caller, set by {@link fastifyAgentAuth}; null on routes it does not guard. */
    agentauth: Principal | null;
  }
}

/** Options of {@link fastifyAgentAuth}. */
export interface FastifyAdapterOptions {
  checks?: readonly PrincipalCheck[];
  /** Default: the certificate of the request's own TLS connection. */
  peerCertificate?: (request: FastifyRequest) => PeerCertificate | undefined;
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
    } catch (error) {
      const answer = rs.errorResponse(error);
      await reply.code(answer.status).headers(answer.headers).send(answer.body ?? '');
    }
  };
}
