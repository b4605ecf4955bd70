import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PeerCertificate } from '../certificate-thumbprint.js';
import type { Principal } from '../principal.js';
import type { PrincipalCheck } from '../principal-checks.js';
import { authorizeRoute, checkRouteAuthorization, type RouteAuthorization } from '../route-authorization.js';
import type { ResourceServer } from '../resource-server.js';
import { socketPeerCertificate } from './socket-peer-certificate.js';
import { migrationHeaders } from '../adapters/migration-headers.js';
import { debugRefusal, reportRefusal, type OnRefused } from '../adapters/refusal-hook.js';

/** Options of {@link nodeAgentAuth}. */
export interface NodeHttpAdapterOptions {
  checks?: readonly PrincipalCheck[];
  /**
   * A fine-grained question to the authorization server's AuthZEN PDP, asked after the checks pass
   * (`rs.authorize`, which needs the `authorization` option); a `false` is answered 403.
   */
  authorize?: RouteAuthorization<IncomingMessage>;
  /** Default: the certificate of the request's own TLS connection. */
  peerCertificate?: (req: IncomingMessage) => PeerCertificate | undefined;
  /**
   * Hears each refusal with the request (see {@link OnRefused}). Default: a `console.debug` line with the code when `NODE_DEBUG=agentauth`, else nothing.
   */
  onRefused?: OnRefused<IncomingMessage>;
}

/**
 * For a plain `node:http` / `node:https` server (or anything built on it, such as an MCP
 * streamable HTTP transport): answers `GET` of the RFC 9728 metadata path, verifies every other
 * request, and resolves to the principal, or to undefined after writing the refusal (401/403/503
 * with the RFC 6750 / RFC 9449 headers), in which case the caller stops. For a request a managed
 * key authenticated, the `Deprecation` and `Sunset` headers are already set on `res`.
 */
export function nodeAgentAuth(rs: ResourceServer, options: NodeHttpAdapterOptions = {}): (req: IncomingMessage, res: ServerResponse) => Promise<Principal | undefined> {
  checkRouteAuthorization(options.authorize);
  return async (req, res) => {
    const url = req.url ?? '/';
    if (req.method === 'GET' && url.split('?')[0] === rs.metadataPath) {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'public, max-age=300' }).end(JSON.stringify(rs.metadata()));
      return undefined;
    }
    try {
      const principal = await rs.verify(
        {
          method: req.method ?? 'GET',
          url,
          headers: req.headersDistinct,
          peerCertificate: options.peerCertificate ? options.peerCertificate(req) : socketPeerCertificate(req.socket),
        },
        { checks: options.checks ?? [] },
      );
      if (options.authorize !== undefined) await authorizeRoute(rs, options.authorize, req, principal);
      // A managed key during its migration window: RFC 9745 Deprecation and RFC 8594 Sunset, set
      // now so whatever the caller writes next carries them.
      for (const [name, value] of Object.entries(migrationHeaders(principal))) res.setHeader(name, value);
      return principal;
    } catch (error) {
      const answer = rs.errorResponse(error);
      reportRefusal(options.onRefused ?? debugRefusal, error, req);
      res.writeHead(answer.status, answer.headers).end(answer.body === undefined ? undefined : JSON.stringify(answer.body));
      return undefined;
    }
  };
}
