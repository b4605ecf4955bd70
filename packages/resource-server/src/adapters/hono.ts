import type { Context, Handler, MiddlewareHandler } from 'hono';
import type { PeerCertificate } from '../certificate-thumbprint.js';
import type { Principal } from '../principal.js';
import type { PrincipalCheck } from '../principal-checks.js';
import { authorizeRoute, checkRouteAuthorization, type RouteAuthorization } from '../route-authorization.js';
import type { ResourceServer } from '../resource-server.js';
import { socketPeerCertificate } from '../node/socket-peer-certificate.js';
import { withMigrationHeaders } from './migration-headers.js';
import { debugRefusal, reportRefusal, type OnRefused } from './refusal-hook.js';
export type { OnRefused } from './refusal-hook.js';

/** Hono context variables set by {@link honoAgentAuth}: `c.get('agentauth')`. */
export interface AgentAuthVariables {
  agentauth: Principal;
}

/** Options of {@link honoAgentAuth}. */
export interface HonoAdapterOptions {
  checks?: readonly PrincipalCheck[];
  /**
   * A fine-grained question to the authorization server's AuthZEN PDP, asked after the checks pass
   * (`rs.authorize`, which needs the `authorization` option); a `false` is answered 403.
   */
  authorize?: RouteAuthorization<Context>;
  /**
   * The TLS client certificate of the connection. Default: on `@hono/node-server`, the socket of
   * `c.env.incoming`; elsewhere none (pass your runtime's).
   */
  peerCertificate?: (c: Context) => PeerCertificate | undefined;
  /**
   * Hears each refusal with the request (see {@link OnRefused}). Default: a `console.debug` line with the code when `NODE_DEBUG=agentauth`, else nothing.
   */
  onRefused?: OnRefused<Context>;
}

/** Serves the RFC 9728 metadata: mount with `app.get(rs.metadataPath, honoProtectedResourceMetadata(rs))`. */
export function honoProtectedResourceMetadata(rs: ResourceServer): Handler {
  return (c) => {
    c.header('cache-control', 'public, max-age=300');
    return c.json(rs.metadata());
  };
}

/**
 * Middleware that verifies the request (see `createResourceServer`) and sets
 * `c.get('agentauth')`, or answers 401/403/503 with the RFC 6750 / RFC 9449 headers. A request a
 * managed key authenticated gets its `Deprecation` and `Sunset` headers on the answer.
 */
export function honoAgentAuth(rs: ResourceServer, options: HonoAdapterOptions = {}): MiddlewareHandler<{ Variables: AgentAuthVariables }> {
  checkRouteAuthorization(options.authorize);
  return async (c, next) => {
    const peerCertificate = options.peerCertificate ? options.peerCertificate(c) : socketPeerCertificate((c.env as { incoming?: { socket?: unknown } } | undefined)?.incoming?.socket);
    let principal: Principal;
    try {
      principal = await rs.verifyRequest(c.req.raw, { peerCertificate, checks: options.checks ?? [] });
      if (options.authorize !== undefined) await authorizeRoute(rs, options.authorize, c, principal);
    } catch (error) {
      const answer = rs.errorResponse(error);
      reportRefusal(options.onRefused ?? debugRefusal, error, c);
      return new Response(answer.body === undefined ? null : JSON.stringify(answer.body), { status: answer.status, headers: answer.headers });
    }
    c.set('agentauth', principal);
    await next();
    // A managed key during its migration window: RFC 9745 Deprecation and RFC 8594 Sunset, set on
    // the final answer so a handler returning its own `Response` carries them too.
    if (principal.apiKey !== undefined) c.res = withMigrationHeaders(c.res, principal);
    return undefined;
  };
}
