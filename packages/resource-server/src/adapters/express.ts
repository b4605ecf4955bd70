import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { PeerCertificate } from '../certificate-thumbprint.js';
import type { Principal } from '../principal.js';
import type { PrincipalCheck } from '../principal-checks.js';
import { authorizeRoute, checkRouteAuthorization, type RouteAuthorization } from '../route-authorization.js';
import type { ResourceServer } from '../resource-server.js';
import { socketPeerCertificate } from '../node/socket-peer-certificate.js';
import { migrationHeaders } from './migration-headers.js';
import { debugRefusal, reportRefusal, type OnRefused } from './refusal-hook.js';
export type { OnRefused } from './refusal-hook.js';

/** Options of {@link expressAgentAuth}. */
export interface ExpressAdapterOptions {
  checks?: readonly PrincipalCheck[];
  /**
   * A fine-grained question to the authorization server's AuthZEN PDP, asked after the checks pass
   * (`rs.authorize`, which needs the `authorization` option); a `false` is answered 403.
   */
  authorize?: RouteAuthorization<Request>;
  /** Default: the certificate of the request's own TLS connection. */
  peerCertificate?: (request: Request) => PeerCertificate | undefined;
  /**
   * Hears each refusal with the request (see {@link OnRefused}). Default: a `console.debug` line with the code when `NODE_DEBUG=agentauth`, else nothing.
   */
  onRefused?: OnRefused<Request>;
}

/** The principal {@link expressAgentAuth} stored for this request. */
export function principalOf(res: Response): Principal {
  const principal = (res.locals as { agentauth?: Principal }).agentauth;
  if (principal === undefined) throw new TypeError('no principal: the route is not guarded by expressAgentAuth');
  return principal;
}

/** Serves the RFC 9728 metadata: mount with `app.get(rs.metadataPath, expressProtectedResourceMetadata(rs))`. */
export function expressProtectedResourceMetadata(rs: ResourceServer): RequestHandler {
  return (_req, res) => {
    res.set('cache-control', 'public, max-age=300').type('application/json').send(JSON.stringify(rs.metadata()));
  };
}

/**
 * Middleware that verifies the request (see `createResourceServer`) and stores the principal in
 * `res.locals.agentauth` (read it with {@link principalOf}), or answers 401/403/503 with the
 * RFC 6750 / RFC 9449 headers. Unexpected errors go to `next(error)`. A request a managed key
 * authenticated gets its `Deprecation` and `Sunset` headers on the answer.
 */
export function expressAgentAuth(rs: ResourceServer, options: ExpressAdapterOptions = {}): RequestHandler {
  checkRouteAuthorization(options.authorize);
  return (req: Request, res: Response, next: NextFunction) => {
    rs.verify(
      {
        method: req.method,
        url: req.originalUrl,
        headers: req.headersDistinct,
        peerCertificate: options.peerCertificate ? options.peerCertificate(req) : socketPeerCertificate(req.socket),
      },
      { checks: options.checks ?? [] },
    )
      .then(async (principal) => {
        if (options.authorize !== undefined) await authorizeRoute(rs, options.authorize, req, principal);
        return principal;
      })
      .then(
      (principal) => {
        (res.locals as { agentauth?: Principal }).agentauth = principal;
        // A managed key during its migration window: RFC 9745 Deprecation and RFC 8594 Sunset.
        res.set(migrationHeaders(principal));
        next();
      },
      (error: unknown) => {
        let answer;
        try {
          answer = rs.errorResponse(error);
        } catch (unexpected) {
          next(unexpected);
          return;
        }
        reportRefusal(options.onRefused ?? debugRefusal, error, req);
        res.status(answer.status).set(answer.headers);
        if (answer.body === undefined) res.end();
        else res.send(JSON.stringify(answer.body));
      },
    );
  };
}
