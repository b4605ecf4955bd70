import type { PeerCertificate } from '../certificate-thumbprint.js';
import type { ErrorResponse } from '../error-response.js';
import type { Principal } from '../principal.js';
import type { PrincipalCheck } from '../principal-checks.js';
import { authorizeRoute, checkRouteAuthorization, type RouteAuthorization } from '../route-authorization.js';
import type { ResourceServer } from '../resource-server.js';
import { withMigrationHeaders } from './migration-headers.js';
import { debugRefusal, reportRefusal, type OnRefused } from './refusal-hook.js';
export type { OnRefused } from './refusal-hook.js';

/** Options of {@link withAgentAuth}. */
export interface FetchAdapterOptions {
  /** Route requirements: `requireScopes(...)`, `requireDirect()`, `maxDelegationDepth(n)`. */
  checks?: readonly PrincipalCheck[];
  /**
   * A fine-grained question to the authorization server's AuthZEN PDP, asked after the checks pass
   * (`rs.authorize`, which needs the `authorization` option); a `false` is answered 403.
   */
  authorize?: RouteAuthorization<Request>;
  /** The TLS client certificate of the request's connection, if your runtime exposes it. */
  peerCertificate?: (request: Request) => PeerCertificate | undefined;
  /**
   * Hears each refusal with the request (see {@link OnRefused}). Default: a `console.debug` line with the code when `NODE_DEBUG=agentauth`, else nothing.
   */
  onRefused?: OnRefused<Request>;
}

/** An {@link ErrorResponse} as a Web `Response`. */
export function toWebResponse(error: ErrorResponse): Response {
  return new Response(error.body === undefined ? null : JSON.stringify(error.body), { status: error.status, headers: error.headers });
}

/** The RFC 9728 §3.2 answer: the metadata as `application/json`. */
export function protectedResourceMetadataResponse(rs: ResourceServer): Response {
  return new Response(JSON.stringify(rs.metadata()), { status: 200, headers: { 'content-type': 'application/json', 'cache-control': 'public, max-age=300' } });
}

/**
 * Wraps a plain fetch handler `(Request) => Response` (Deno, Bun, workers, MCP servers): `GET` of
 * the RFC 9728 metadata path is answered with the metadata; every other request is verified
 * first, refused with the RFC 6750 / RFC 9449 answer, or handed to `handler` with its principal.
 * Anything that is not a verification failure propagates (it is a bug, not a bad token). The
 * answer to a request a managed key authenticated carries its `Deprecation` and `Sunset` headers.
 */
export function withAgentAuth(
  rs: ResourceServer,
  handler: (request: Request, principal: Principal) => Response | Promise<Response>,
  options: FetchAdapterOptions = {},
): (request: Request) => Promise<Response> {
  if (typeof handler !== 'function') throw new TypeError('handler must be a function');
  checkRouteAuthorization(options.authorize);
  return async (request) => {
    if (request.method === 'GET' && new URL(request.url).pathname === rs.metadataPath) return protectedResourceMetadataResponse(rs);
    let principal: Principal;
    try {
      principal = await rs.verifyRequest(request, { peerCertificate: options.peerCertificate?.(request), checks: options.checks ?? [] });
      if (options.authorize !== undefined) await authorizeRoute(rs, options.authorize, request, principal);
    } catch (error) {
      const answer = rs.errorResponse(error);
      reportRefusal(options.onRefused ?? debugRefusal, error, request);
      return toWebResponse(answer);
    }
    // A managed key during its migration window: RFC 9745 Deprecation and RFC 8594 Sunset.
    return withMigrationHeaders(await handler(request, principal), principal);
  };
}
