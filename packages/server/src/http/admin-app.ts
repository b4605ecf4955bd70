import AjvCompiler from '@fastify/ajv-compiler';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { AdminAuthenticator, AdminPrincipal } from '../admin/authenticate-admin.js';
import { buildAdminOpenApi, type AdminRouteDescription } from '../admin/openapi-document.js';
import type { AgentService } from '../agents/agent-service.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config/config.js';
import type { Random } from '../random.js';
import type { Store } from '../store/store.js';
import { agentRoutes } from './admin-agent-routes.js';
import { auditRoutes } from './admin-audit-routes.js';
import { siemRoutes } from './admin-siem-routes.js';
import type { SiemSinkName } from '../siem/siem-sink.js';
import { adminRefusalOf, sendProblem, type AdminRefusal } from './admin-errors.js';
import { AGENT_ID_PATTERN } from '../agents/agent-ids.js';
import { recordRefusal } from '../audit/record-refusal.js';
import { ADMIN_PROBLEMS } from '../admin/problem-codes.js';
import { keyRoutes, type AdminKeyRing } from './admin-key-routes.js';
import { tokenRoutes } from './admin-token-routes.js';
import { reportRoutes } from './admin-report-routes.js';
import { migrationRoutes } from './admin-migration-routes.js';
import { statsRoutes } from './admin-stats-routes.js';
import { federationRoutes } from './admin-federation-routes.js';
import { streamRoutes } from './admin-stream-routes.js';
import { policyRoutes } from './admin-policy-routes.js';
import { policyReplayRoutes, type PolicyReplayDeps } from './admin-policy-replay-routes.js';
import type { StreamAdministration } from '../signals/stream-administration.js';
import type { FederationService } from '../federation/federation-service.js';
import type { RevocationEvents } from '../events/revocation-events.js';
import { adminRoute, type AdminRequestContext, type AdminRoute } from './admin-route.js';
import { OpenApiDocument } from '../admin/wire/components.js';
import { caAdminRoutes } from './ca-admin-routes.js';
import type { CertificateAuthority } from '../ca/certificate-authority.js';
import { enrollmentAdminRoutes } from './enrollment-routes.js';
import { apiKeyRoutes } from './admin-api-key-routes.js';
import { apiKeyLookupRoutes } from './admin-api-key-lookup-routes.js';
import type { ApiKeyService } from '../api-keys/api-key-service.js';
import { importedKeyRoutes } from './admin-imported-key-routes.js';
import type { ImportedKeyService } from '../imported-keys/imported-key-service.js';
import type { KeyCutoverService } from '../key-cutover/key-cutover-service.js';
import { keyCutoverRoutes } from './admin-key-cutover-routes.js';
import type { EnrollmentService } from '../enrollment/enrollment-service.js';
import type { FailureLimiter } from '../limits/failure-limiter.js';
import { CSRF_HEADER, type PersonAuthenticator, type PersonPrincipal } from '../admin/authenticate-person.js';
import { roleAllows } from '../people/admin-roles.js';
import type { LoginProviderService } from '../people/login-provider-service.js';
import type { UserService } from '../people/user-service.js';
import { loginProviderRoutes } from './admin-login-provider-routes.js';
import { userRoutes } from './admin-user-routes.js';
import { delegationAdminRoutes } from './admin-delegation-routes.js';
import { anomalyRoutes } from './admin-anomaly-routes.js';
import type { AnomalyService } from '../anomalies/anomaly-service.js';
import type { Delegations } from '../oauth/delegation/delegations.js';

/** Admin request bodies are at most 64 KiB: every input is bounded. */
export const ADMIN_BODY_LIMIT = 64 * 1024;

/** The slice of `Deps` the admin API needs; `keys` with the `force` rotation option. */
export interface AdminAppDeps {
  config: Pick<Config, 'issuer' | 'keyRotationInterval'>;
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
  /** The admin credential check (the bootstrap token, or an access token with `agentauth:admin`). */
  authenticate: AdminAuthenticator;
  /** The registry service. */
  agents: AgentService;
  /** The built-in CA (docs/ca.md); without it the CA routes answer 404. */
  ca?: CertificateAuthority;
  /** Trusted issuers and binding rules (docs/federation.md). */
  federation: FederationService;
  /** One-time enrolment tokens (docs/agent-sdk.md). */
  enrollment: EnrollmentService;
  /** Managed API keys (docs/migration.md). */
  apiKeys: ApiKeyService;
  /** Third-party keys imported by digest (docs/migration.md). */
  importedKeys: ImportedKeyService;
  keyCutover: KeyCutoverService;
  /** Every receiver's SSF streams (docs/signals.md). */
  streams: StreamAdministration;
  /** Failed-authentication limit on admin credentials (docs/admin-api.md); without it, none. */
  limits?: FailureLimiter | undefined;
  /** People in the registry (docs/people.md); without it the user routes are absent. */
  users?: UserService | undefined;
  /** Agents acting for people (docs/people.md); with `users`, their routes under `/users/{id}/delegations`. */
  delegations?: Pick<Delegations, 'list' | 'revoke'> | undefined;
  /** Signed-in people by session cookie, their role deciding each route; without it, only bearer credentials. */
  authenticatePerson?: PersonAuthenticator | undefined;
  /** Upstream OpenID Connect providers (docs/people.md) and their redirect URIs; without it the routes are absent. */
  loginProviders?: { service: LoginProviderService; redirectUri: (id: string) => string } | undefined;
  /** The policy set (docs/policy.md): its administration, tests and dry runs. */
  policies: Pick<PolicyReplayDeps, 'service' | 'decider' | 'lifetimes'>;
  /** Anomalies of agents' behaviour (docs/monitoring.md). */
  anomalies: AnomalyService;
  /** The SIEM sinks this node exports to (docs/monitoring.md); their status is read from the store. */
  siemSinks?: readonly SiemSinkName[] | undefined;
}

/**
 * The admin API (docs/admin-api.md), a fastify plugin registered under `/admin/v1`. It is
 * encapsulated (not wrapped in fastify-plugin): its authentication hook, JSON-only body parser,
 * 64 KiB body limit, strict validator and RFC 9457 error handler apply to its routes only, never to
 * the public OAuth routes beside it.
 */
export async function adminApp(app: FastifyInstance, opts: AdminAppOptions): Promise<void> {
  const { deps, authenticate, agents: service } = opts;

  useStrictValidation(app);
  useCheckedAnswers(app);
  useJsonBodiesOnly(app);
  const principals = new WeakMap<FastifyRequest, AdminPrincipal | PersonPrincipal>();
  /**
   * `admin_request.denied`: an authenticated request refused for what it asked (validation, a
   * conflict, `rotation_too_soon`, no such route or object). A refused credential is recorded by
   * the authentication hook instead, so every refused request has exactly one record. Never the
   * body or the credential: the route, the status and the problem's detail.
   */
  const refuse = async (request: FastifyRequest, reply: FastifyReply, refused: AdminRefusal) => {
    let refusal = refused;
    // Neither is the caller's doing, and the audit log may be what cannot be written.
    if (refusal.code !== 'internal_error' && refusal.code !== 'storage_unavailable') {
      const params: unknown = request.params;
      const id = typeof params === 'object' && params !== null && 'id' in params ? params.id : undefined;
      try {
        await recordRefusal(deps.audit, {
          time: deps.clock.now(),
          event: 'admin_request.denied',
          outcome: 'failure',
          agentId: typeof id === 'string' && AGENT_ID_PATTERN.test(id) ? id : null,
          actor: principals.get(request)?.actor ?? null,
          sourceIp: request.ip,
          reason: `${refusal.code}: ${refusal.auditDetail ?? refusal.detail}`,
          requestId: request.id,
          details: { method: request.method, path: pathOf(request), status: ADMIN_PROBLEMS[refusal.code].status },
        });
      } catch (failure) {
        // A refusal that cannot be put on record is answered as the failure it met (503 while
        // storage is unavailable), never as fastify's own 500 with the failure's message.
        refusal = adminRefusalOf(failure, request, deps);
      }
    }
    return sendProblem(reply, refusal.code, refusal.detail, refusal.headers, refusal.extensions);
  };
  app.setErrorHandler((error, request, reply) => refuse(request, reply, adminRefusalOf(error, request, deps)));
  app.setNotFoundHandler((request, reply) => refuse(request, reply, { code: 'not_found', detail: 'no such admin API route', headers: {} }));
  // Responses may carry a secret shown once; no cache may keep them (RFC 9111 §5.2.2.5).
  app.addHook('onSend', async (_request, reply) => {
    reply.header('cache-control', 'no-store');
  });

  app.addHook('onRequest', async (request, reply) => {
    const config = request.routeOptions.config as { authenticated?: boolean };
    if (config.authenticated === false) return;
    const refused = opts.limits?.refuseAddress(request.ip);
    if (refused !== undefined) return tooManyFailures(reply, refused);
    if (request.headers.authorization === undefined && opts.authenticatePerson !== undefined) {
      const person = await opts.authenticatePerson({ cookie: request.headers.cookie, csrf: headerValue(request.headers[CSRF_HEADER]), method: request.method });
      if (person !== undefined) return personAdmitted(request, reply, person);
    }
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
      details: { method: request.method, path: pathOf(request) },
    });
    if (result.status === 403) return sendProblem(reply, 'forbidden', 'the access token does not carry the scope agentauth:admin');
    const wait = await opts.limits?.recordFailure({ address: request.ip, requestId: request.id });
    if (wait !== undefined) return tooManyFailures(reply, wait);
    return sendProblem(reply, 'unauthenticated', 'a valid admin bearer token is required', { 'www-authenticate': 'Bearer realm="agentauth"' });
  });

  /**
   * A person's session: refused like any credential (401 audited as `admin.authentication_failed`,
   * counted towards the address's limit; 403 for a missing CSRF token), then their roles decide the
   * route (403 `forbidden`, audited as `admin_request.denied` naming the person).
   */
  const personAdmitted = async (request: FastifyRequest, reply: FastifyReply, person: PersonPrincipal | PersonRefusalResult) => {
    if (person.ok) {
      principals.set(request, person);
      const route = (request.routeOptions.url ?? '').slice(app.prefix.length);
      if (roleAllows(person.roles, request.method, route)) return;
      const roles = person.roles.length === 0 ? 'no role' : `the roles ${person.roles.join(', ')}`;
      return refuse(request, reply, { code: 'forbidden', detail: `${roles} do not allow ${request.method} ${route}`, headers: {} });
    }
    await deps.audit.record({
      time: deps.clock.now(),
      event: 'admin.authentication_failed',
      outcome: 'failure',
      agentId: null,
      actor: person.userId === null ? null : `user:${person.userId}`,
      sourceIp: request.ip,
      reason: person.reason,
      requestId: request.id,
      details: { method: request.method, path: pathOf(request) },
    });
    if (person.status === 403) return sendProblem(reply, 'forbidden', `an unsafe request with a session cookie must carry the session's CSRF token in ${CSRF_HEADER}`);
    const wait = await opts.limits?.recordFailure({ address: request.ip, requestId: request.id });
    if (wait !== undefined) return tooManyFailures(reply, wait);
    return sendProblem(reply, 'unauthenticated', 'the session is unknown, ended or timed out; sign in again', { 'www-authenticate': 'Bearer realm="agentauth"' });
  };

  const routes: AdminRoute[] = [...agentRoutes(service), ...keyRoutes(deps), ...auditRoutes(deps), ...siemRoutes({ store: deps.store, configured: opts.siemSinks ?? [] }), ...caAdminRoutes(opts.ca), ...tokenRoutes({ ...deps, lineage: deps.store }), ...reportRoutes(deps), ...migrationRoutes(deps), ...statsRoutes(deps), ...federationRoutes(opts.federation), ...enrollmentAdminRoutes(opts.enrollment), ...apiKeyRoutes(opts.apiKeys, deps.clock), ...importedKeyRoutes(opts.importedKeys, deps.clock), ...keyCutoverRoutes({ service: opts.keyCutover, store: deps.store, clock: deps.clock }), ...apiKeyLookupRoutes(opts.apiKeys, deps.clock), ...streamRoutes(opts.streams), ...anomalyRoutes(opts.anomalies), ...(opts.users === undefined ? [] : userRoutes(opts.users)), ...(opts.users === undefined || opts.delegations === undefined ? [] : delegationAdminRoutes(opts.delegations, opts.users)), ...(opts.loginProviders === undefined ? [] : loginProviderRoutes(opts.loginProviders.service, opts.loginProviders.redirectUri))];
  routes.push(...policyRoutes(opts.policies.service), ...policyReplayRoutes({ ...opts.policies, store: deps.store, clock: deps.clock }));
  routes.push(
    adminRoute({
      method: 'GET',
      url: '/openapi.json',
      operationId: 'getOpenApiDocument',
      summary: 'This OpenAPI 3.1 document.',
      schema: {},
      success: { status: 200, schema: OpenApiDocument },
      authenticated: false,
      handler: async () => document,
    }),
  );
  const document = buildAdminOpenApi(routes satisfies AdminRouteDescription[], { serverUrl: `${deps.config.issuer}${app.prefix}` });

  for (const route of routes) {
    const { status, schema: answer, mediaType } = route.success;
    app.route({
      method: route.method,
      url: route.url,
      // A JSON answer's schema checks what is sent (useCheckedAnswers); a stream is not serialized.
      schema: answer === null || mediaType !== undefined ? route.schema : { ...route.schema, response: { [status]: answer } },
      bodyLimit: route.bodyLimit ?? ADMIN_BODY_LIMIT,
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

type PersonRefusalResult = Exclude<Awaited<ReturnType<PersonAuthenticator>>, PersonPrincipal | undefined>;

/** A header sent once, or undefined (sent twice it is ambiguous). */
function headerValue(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** The request's path for an audit record: no query string, at most 256 characters. */
function pathOf(request: FastifyRequest): string {
  return (request.url.split('?')[0] ?? '').slice(0, 256);
}

/** 429 `too_many_requests` (RFC 6585 §4): this address is past its failed-authentication limit. */
function tooManyFailures(reply: FastifyReply, seconds: number): FastifyReply {
  return sendProblem(reply, 'too_many_requests', `too many failed admin authentications from this address; retry in ${seconds} s`, { 'retry-after': String(seconds) });
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

/**
 * Answers are checked against the schema the OpenAPI document publishes for them, then written
 * with `JSON.stringify` (not fast-json-stringify, which would silently drop or coerce what the
 * schema does not describe). An answer that breaks its schema is a server bug: it becomes a logged
 * 500 `internal_error`, never a response that contradicts the document.
 */
function useCheckedAnswers(app: FastifyInstance): void {
  const compile = AjvCompiler()({}, { customOptions: { removeAdditional: false, useDefaults: false, coerceTypes: false, allErrors: false, strictTypes: false } });
  app.setSerializerCompiler(({ schema, method, url, httpStatus }) => {
    const valid = compile({ schema, method, url, httpPart: 'response' });
    return (data) => {
      if (!valid(data)) throw new Error(`${method} ${url} answered ${httpStatus} against its schema: ${JSON.stringify(valid.errors?.[0] ?? null)}`);
      return JSON.stringify(data);
    };
  });
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
