import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AS_METADATA_PATH, type AuthorizationServerMetadata } from '@agentauth/protocol';
import type { JWK } from 'jose';
import { ENDPOINT_PATHS } from '../oauth/endpoints/server-metadata.js';
import type { ClientCertificate } from '../oauth/mtls/client-certificate.js';
import type { OAuthRequest, OAuthResponse } from '../oauth/oauth-request.js';
import { renderOAuthError } from './render-oauth-error.js';

export type OAuthHandler = (request: OAuthRequest) => Promise<OAuthResponse>;

export interface PublicAppOptions {
  token: OAuthHandler;
  introspect: OAuthHandler;
  /** Imported third-party keys asked about by their SHA-256 (docs/migration.md). */
  keyDigestIntrospect: OAuthHandler;
  revoke: OAuthHandler;
  /** OpenID CIBA Core 1.0 §7: the backchannel authentication endpoint (docs/approvals.md). */
  backchannel: OAuthHandler;
  metadata: AuthorizationServerMetadata;
  jwks: () => { keys: JWK[] };
  /** Database reachable and keys loaded. */
  ready: () => Promise<{ ready: boolean; checks: Record<string, boolean> }>;
  /** RFC 8705: the client certificate of a request (mutual-TLS socket or trusted proxy header), if any. */
  clientCertificate?: ((request: FastifyRequest) => ClientCertificate | undefined) | undefined;
}

/** Bound on every public request body (issue: "bodies over 64 KiB (413)"). */
export const PUBLIC_BODY_LIMIT = 64 * 1024;

/**
 * The public OAuth surface, as one encapsulated fastify plugin: its content-type parser and error
 * handler never reach the admin API, and the admin API's hooks never reach these routes.
 */
export async function publicApp(app: FastifyInstance, options: PublicAppOptions): Promise<void> {
  app.setErrorHandler(renderOAuthError);
  // RFC 6749 §3.2: the token endpoint takes application/x-www-form-urlencoded, and so do RFC 7662
  // and RFC 7009. Any other media type is refused (415 from fastify, rendered as invalid_request).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: PUBLIC_BODY_LIMIT }, (_request, body, done) => {
    done(null, body);
  });

  const metadataBody = JSON.stringify(options.metadata);
  app.get(AS_METADATA_PATH, async (_request, reply) => reply.header('cache-control', 'public, max-age=300').type('application/json').send(metadataBody));
  app.get(ENDPOINT_PATHS.jwks, async (_request, reply) =>
    // Short cache: a key published before it signs must reach resource servers in time (RFC 7517).
    reply.header('cache-control', 'public, max-age=60').type('application/jwk-set+json').send(options.jwks()),
  );

  const route = (path: string, handler: OAuthHandler) =>
    app.post(path, async (request: FastifyRequest, reply: FastifyReply) => {
      const response = await handler(toOAuthRequest(request, options.clientCertificate));
      reply.code(response.status).headers(response.headers);
      if (response.body === '') return reply.send();
      return reply.type('application/json').send(response.body);
    });
  route(ENDPOINT_PATHS.token, options.token);
  route(ENDPOINT_PATHS.introspection, options.introspect);
  route(ENDPOINT_PATHS.keyDigestIntrospection, options.keyDigestIntrospect);
  route(ENDPOINT_PATHS.revocation, options.revoke);
  route(ENDPOINT_PATHS.backchannelAuthentication, options.backchannel);

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const { ready, checks } = await options.ready();
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', checks });
  });
}

function toOAuthRequest(request: FastifyRequest, certificateOf: PublicAppOptions['clientCertificate']): OAuthRequest {
  const authorization = request.headers.authorization;
  const clientCertificate = certificateOf?.(request);
  return {
    ...(clientCertificate === undefined ? {} : { clientCertificate }),
    // A POST without a body arrives as undefined; an empty form is then refused by the endpoint.
    body: typeof request.body === 'string' ? request.body : '',
    authorization: typeof authorization === 'string' ? authorization : undefined,
    sourceIp: request.ip,
    requestId: request.id,
    headerValues: (name) => headerValues(request, name),
  };
}

function headerValues(request: FastifyRequest, name: string): string[] {
  // rawHeaders keeps repeats that Node would otherwise join with ", ".
  const values: string[] = [];
  const raw = request.raw.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) if ((raw[i] as string).toLowerCase() === name) values.push(raw[i + 1] as string);
  return values;
}
