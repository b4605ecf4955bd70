import AjvCompiler from '@fastify/ajv-compiler';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { createAdminAuthenticator, bootstrapTokenDigest, type AdminPrincipal } from '../admin/authenticate-admin.js';
import { buildAdminOpenApi, type AdminRouteDescription } from '../admin/openapi-document.js';
import { AgentService } from '../agents/agent-service.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config/config.js';
import type { Random } from '../random.js';
import type { Store } from '../store/store.js';
import { agentRoutes } from './admin-agent-routes.js';
import { auditRoutes } from './admin-audit-routes.js';
import { renderAdminError, sendProblem } from './admin-errors.js';
import { keyRoutes, type AdminKeyRing } from './admin-key-routes.js';
import { tokenRoutes } from './admin-token-routes.js';
import { federationRoutes } from './admin-federation-routes.js';
import { federationServiceOf } from '../federation/create-federation.js';
import type { FederationService } from '../federation/federation-service.js';
import type { RevocationEvents } from '../signals/revocation-events.js';
import type { AdminRequestContext, AdminRoute } from './admin-route.js';
import { ADMIN_BODY_LIMIT } from './admin-schemas.js';
import { caAdminRoutes } from './ca-admin-routes.js';
import type { CertificateAuthority } from '../ca/certificate-authority.js';
import { enrollmentAdminRoutes } from './enrollment-routes.js';
import { enrollmentServiceOf } from '../enrollment/create-enrollment.js';
import type { EnrollmentService } from '../enrollment/enrollment-service.js';

/** The slice of `Deps` the admin API needs; `keys` with the `force` rotation option. */
export interface AdminAppDeps {
  config: Pick<Config, 'issuer' | 'bootstrapToken'>;
  clock: Clock;
  random: Random;
  logger: Logger;
  store: Store;
  audit: AuditLog;
  keys: AdminKeyRing;
  /** Revocations made here (tokens by jti) are announced on it, and cascade from it. */
  events?: RevocationEvents;
}

/** Options of {@link adminApp}. */
export interface AdminAppOptions {
  deps: AdminAppDeps;
  /** The registry service; built from `deps` and `onAgentChanged` when absent. */
  agents?: AgentService;
  /** The agent cache's invalidation hook (used only when `agents` is absent). */
  onAgentChanged?: (agentId: string) => void;
  /** SHA-256 of the accepted bootstrap token; derived from `deps.config.bootstrapToken` when absent. */
  bootstrapDigest?: Buffer;
  /** The built-in CA (docs/ca.md); without it the CA routes answer 404. */
  ca?: CertificateAuthority;
  /** Trusted issuers and binding rules (docs/federation.md); built over `deps.store` when absent. */
  federation?: FederationService;
  /** One-time enrolment tokens (docs/agent-sdk.md); built over `deps.store` when absent. */
  enrollment?: EnrollmentService;
}

/**
 * The admin API (docs/admin-api.md), a fastify plugin registered under `/admin/v1`. It is
 * encapsulated (not wrapped in fastify-plugin): its authentication hook, JSON-only body parser,
 * 64 KiB body limit, strict validator and RFC 9457 error handler apply to its routes only, never to
 * the public OAuth routes beside it.
 */
export async function adminApp(app: FastifyInstance, opts: AdminAppOptions): Promise<void> {
  const { deps } = opts;
  const service =
    opts.agents ??
    new AgentService({ clock: deps.clock, random: deps.random, store: deps.store, audit: deps.audit, onAgentChanged: opts.onAgentChanged ?? (() => {}) });
  const authenticate = createAdminAuthenticator({
    issuer: deps.config.issuer,
    bootstrapDigest: opts.bootstrapDigest ?? (deps.config.bootstrapToken === undefined ? undefined : bootstrapTokenDigest(deps.config.bootstrapToken)),
    clock: deps.clock,
    keys: deps.keys,
    store: deps.store,
  });

  useStrictValidation(app);
  useJsonBodiesOnly(app);
  app.setErrorHandler((error, request, reply) => renderAdminError(error, request, reply, deps));
  app.setNotFoundHandler((_request, reply) => sendProblem(reply, 'not_found', 'no such admin API route'));
  // Responses may carry a secret shown once; no cache may keep them (RFC 9111 §5.2.2.5).
  app.addHook('onSend', async (_request, reply) => {
    reply.header('cache-control', 'no-store');
  });

  const principals = new WeakMap<FastifyRequest, AdminPrincipal>();
  app.addHook('onRequest', async (request, reply) => {
    const config = request.routeOptions.config as { authenticated?: boolean };
    if (config.authenticated === false) return;
    const result = await authenticate(request.headers.authorization);
    if (result.ok) {
      principals.set(request, result);
      return;
    }
    await deps.audit.record({
      time: deps.clock.now(),
      event: 'admin.authentication_failed',
      outcome: 'failure',
      agentId: result.agentId,
      actor: result.agentId === null ? null : `agent:${result.agentId}`,
      sourceIp: request.ip,
      reason: result.reason,
      requestId: request.id,
      details: { method: request.method, path: request.url.split('?')[0] ?? '' },
    });
    if (result.status === 403) return sendProblem(reply, 'forbidden', 'the access token does not carry the scope agentauth:admin');
    return sendProblem(reply, 'unauthenticated', 'a valid admin bearer token is required', { 'www-authenticate': 'Bearer realm="agentauth"' });
  });

  const routes: AdminRoute[] = [...agentRoutes(service), ...keyRoutes(deps), ...auditRoutes(deps), ...caAdminRoutes(opts.ca), ...tokenRoutes({ ...deps, lineage: deps.store }), ...federationRoutes(opts.federation ?? federationServiceOf(deps)), ...enrollmentAdminRoutes(opts.enrollment ?? enrollmentServiceOf(deps, service))];
  const openApiRoute: AdminRoute = {
    method: 'GET',
    url: '/openapi.json',
    operationId: 'getOpenApiDocument',
    summary: 'This OpenAPI 3.1 document.',
    schema: {},
    success: { status: 200, schema: 'OpenApiDocument' },
    authenticated: false,
    handler: async () => document,
  };
  routes.push(openApiRoute);
  const document = buildAdminOpenApi(routes satisfies AdminRouteDescription[], { serverUrl: `${deps.config.issuer}${app.prefix}` });

  for (const route of routes) {
    app.route({
      method: route.method,
      url: route.url,
      schema: route.schema,
      bodyLimit: ADMIN_BODY_LIMIT,
      config: { authenticated: route.authenticated },
      // A body-optional route sent no body is validated as an empty object.
      ...(route.bodyOptional === true
        ? {
            preValidation: async (request: FastifyRequest) => {
              if (request.body === undefined) request.body = {};
            },
          }
        : {}),
      handler: async (request: FastifyRequest, reply: FastifyReply) => {
        const principal = principals.get(request) ?? null;
        const ctx: AdminRequestContext = {
          principal,
          audit: { actor: principal?.actor ?? 'anonymous', sourceIp: request.ip, requestId: request.id },
        };
        const body = await route.handler(request, reply, ctx);
        return body === undefined ? reply.send() : body;
      },
    });
  }
}

/**
 * Bodies are validated strictly: an unknown member is an error (not silently dropped, as fastify's
 * default `removeAdditional` would) and nothing is coerced. Query strings and path parameters are
 * text by nature, so they are coerced (`limit=5`, a single `label` into an array).
 */
function useStrictValidation(app: FastifyInstance): void {
  const factory = AjvCompiler();
  const base = { removeAdditional: false, useDefaults: true, allErrors: false, strictTypes: false } as const;
  const strict = factory({}, { customOptions: { ...base, coerceTypes: false } });
  const coercing = factory({}, { customOptions: { ...base, coerceTypes: 'array' } });
  app.setValidatorCompiler((route) => (route.httpPart === 'body' ? strict(route) : coercing(route)));
}

/** JSON is the only body media type (415 otherwise); an empty body is no body. */
function useJsonBodiesOnly(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: ADMIN_BODY_LIMIT }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') {
      done(null, undefined);
      return;
    }
    parseJson(request, text, done);
  });
}
