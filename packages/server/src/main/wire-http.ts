import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { AdminAuthenticator } from '../admin/authenticate-admin.js';
import type { AgentService } from '../agents/agent-service.js';
import type { CertificateAuthority } from '../ca/certificate-authority.js';
import type { Config } from '../config/config.js';
import type { EnrollmentService } from '../enrollment/enrollment-service.js';
import type { ApiKeyService } from '../api-keys/api-key-service.js';
import type { ImportedKeyService } from '../imported-keys/imported-key-service.js';
import type { KeyCutoverService } from '../key-cutover/key-cutover-service.js';
import type { FederationService } from '../federation/federation-service.js';
import { adminApp, type AdminAppDeps, type AdminAppOptions } from '../http/admin-app.js';
import { authzenRoutes, type AuthZenRoutesOptions } from '../http/authzen-routes.js';
import type { StreamAdministration } from '../signals/stream-administration.js';
import { caRoutes, type CaRoutesOptions } from '../http/ca-routes.js';
import { enrollmentRoutes } from '../http/enrollment-routes.js';
import { tlsClientCertificate } from '../http/mtls-client-certificate.js';
import type { MtlsListener } from '../http/mtls-listener.js';
import { publicApp, PUBLIC_BODY_LIMIT } from '../http/public-app.js';
import { registrationRoutes, type RegistrationDeps } from '../http/registration-routes.js';
import { ssfRoutes, type SsfRoutesOptions } from '../http/ssf-routes.js';
import type { CommitLog } from '../audit/commit-log.js';
import type { AuthenticationLimits } from '../limits/authentication-limits.js';
import type { Random } from '../random.js';
import type { Lifecycle } from './lifecycle.js';
import type { MtlsSetup } from './wire-mtls.js';
import type { OAuth } from './wire-oauth.js';
import type { People } from './wire-people.js';
import { peopleRoutes } from '../http/people-routes.js';
import { passkeyRoutes } from '../http/passkey-routes.js';
import { upstreamLoginRoutes } from '../http/upstream-login-routes.js';
import { authorizeRoutes } from '../http/authorize-routes.js';
import { delegationRoutes } from '../http/delegation-routes.js';
import { consoleRoutes } from '../http/console-routes.js';
import { loadConsoleAssets } from '../http/console-assets.js';
import { ownedAgentRoutes } from '../http/owned-agent-routes.js';
import { approvalRoutes } from '../http/approval-routes.js';
import { approvalApiRoutes } from '../http/approval-api-routes.js';
import type { ApprovalService } from '../approvals/approval-service.js';
import type { AnomalyService } from '../anomalies/anomaly-service.js';
import { traceRequests } from '../http/trace-requests.js';
import type { ScrapeAuthenticator } from '../admin/authenticate-scraper.js';
import type { ServerMetrics } from '../metrics/server-metrics.js';
import { createMetricsListener, type MetricsListener } from '../http/metrics-listener.js';
import { metricsRoutes } from '../http/metrics-routes.js';
import { measureRequests } from '../http/request-metrics.js';

/** The HTTP surfaces: the main app, and the mutual-TLS and metrics listeners when they are on. Nothing listens yet. */
export interface Http {
  app: FastifyInstance;
  mtls: MtlsListener | undefined;
  metrics: MetricsListener | undefined;
}

/**
 * Every HTTP surface as sibling fastify plugins, each with its own parsers, hooks and error
 * rendering, so an admin hook can never reach `/token`: the public OAuth surface (token,
 * introspection, revocation, metadata, JWKS, health), the Shared Signals API, the AuthZEN PDP, the CA API,
 * registration, enrolment and self-service keys, and the admin API under `/admin/v1`. The
 * mutual-TLS listener serves the OAuth surface and the CA's again, on the connection a client
 * certificate authenticates.
 */
export async function wireHttp(deps: {
  config: Config;
  random: Random;
  logger: Logger;
  lifecycle: Lifecycle;
  oauth: OAuth;
  mtls: MtlsSetup;
  signals: SsfRoutesOptions;
  /** The AuthZEN PDP (docs/authzen.md). */
  authzen: AuthZenRoutesOptions;
  /** The operator's view of every receiver's streams (admin API). */
  streams: StreamAdministration;
  ca: CertificateAuthority;
  caAuth: CaRoutesOptions['auth'];
  registration: RegistrationDeps;
  admin: AdminAppDeps;
  authenticateAdmin: AdminAuthenticator;
  agents: AgentService;
  enrollment: EnrollmentService;
  /** Managed API keys (docs/migration.md). */
  apiKeys: ApiKeyService;
  /** Third-party keys imported by digest (docs/migration.md). */
  importedKeys: ImportedKeyService;
  keyCutover: KeyCutoverService;
  federation: FederationService;
  commitLog: CommitLog;
  limits: AuthenticationLimits | undefined;
  people: People;
  /** The approver's side of approvals (the approval page). */
  approvals: ApprovalService;
  /** Anomalies, for the admin API. */
  anomalies: AnomalyService;
  /** The policy set's administration (admin API `/policies`). */
  policies: AdminAppOptions['policies'];
  /** The SIEM sinks this node exports to (admin API `/audit/siem`). */
  siemSinks: AdminAppOptions['siemSinks'];
  /** The server's metrics and who may scrape them (docs/monitoring.md); undefined when metrics are off. */
  metrics: { metrics: ServerMetrics; authenticate: ScrapeAuthenticator } | undefined;
}): Promise<Http> {
  const { config, random, logger, lifecycle, oauth, mtls, ca } = deps;
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    // Per-request logs would cost more than the rest of POST /token; refusals and errors are logged.
    logController: new LogController({ disableRequestLogging: true }),
    // Shutdown must not wait on keep-alive sockets or long polls (RFC 8936) that never end.
    forceCloseConnections: true,
    bodyLimit: PUBLIC_BODY_LIMIT,
    trustProxy: config.trustedProxies.length > 0 ? [...config.trustedProxies] : false,
    genReqId: () => random.token(12),
    requestIdHeader: false,
  });
  lifecycle.onClose('HTTP listener', () => app.close());
  // First, so every plugin's routes (the public OAuth surface, the admin API, ...) have their span.
  traceRequests(app);
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  // Before any plugin: a hook reaches only the plugins registered after it.
  if (deps.metrics !== undefined) measureRequests(app, deps.metrics.metrics);
  const caOptions = { ca, auth: deps.caAuth, audit: deps.commitLog, clock: deps.admin.clock };

  await app.register(publicApp, { ...oauth.publicApp, clientCertificate: mtls.proxyCertificate });
  const mtlsListener = await mtls.createListener(
    () => random.token(12),
    async (tlsApp) => {
      traceRequests(tlsApp);
        if (deps.metrics !== undefined) measureRequests(tlsApp, deps.metrics.metrics);
      await tlsApp.register(publicApp, { ...oauth.publicApp, clientCertificate: tlsClientCertificate });
      // The CA's surface too (bundle, CRL, EST, issuance), so agents renew on the connection they authenticate with.
      await tlsApp.register(caRoutes, { ...caOptions, clientCertificate: tlsClientCertificate });
    },
  );
  if (mtlsListener !== undefined) lifecycle.onClose('mutual-TLS listener', () => mtlsListener.close());
  await app.register(ssfRoutes, deps.signals);
  await app.register(authzenRoutes, deps.authzen);
  await app.register(caRoutes, { ...caOptions, clientCertificate: mtls.proxyCertificate });
  await app.register(registrationRoutes, { deps: deps.registration, agents: deps.agents, authenticateAdmin: deps.authenticateAdmin, limits: deps.limits });
  await app.register(enrollmentRoutes, {
    issuer: config.issuer,
    enrollment: deps.enrollment,
    selfKeys: { auth: oauth.keyOwnerAuth, commitLog: deps.commitLog, agents: deps.agents },
    selfCertificates: { auth: oauth.keyOwnerAuth, commitLog: deps.commitLog, ca },
    limits: deps.limits?.clients,
  });
  const providers = async () => (await deps.people.loginProviders.list()).map((p) => ({ id: p.id, name: p.displayName }));
  await app.register(peopleRoutes, { ...deps.people, audit: deps.commitLog, clock: deps.admin.clock, random, providers });
  await app.register(upstreamLoginRoutes, { upstream: deps.people.upstream });
  await app.register(passkeyRoutes, { registration: deps.people.registration, passkeySignIn: deps.people.passkeySignIn, sessions: deps.people.sessions, audit: deps.commitLog, clock: deps.admin.clock, random, providers });
  await app.register(authorizeRoutes, {
    issuer: config.issuer,
    store: deps.registration.store,
    clients: oauth.publicClients,
    resources: config.authorizationResources,
    sessions: deps.people.sessions,
    consents: oauth.consents,
    audit: deps.commitLog,
    clock: deps.admin.clock,
    random,
  });
  await app.register(delegationRoutes, { delegations: oauth.delegations, sessions: deps.people.sessions, store: deps.registration.store, audit: deps.commitLog, clock: deps.admin.clock });
  await app.register(ownedAgentRoutes, { owned: deps.people.owned, sessions: deps.people.sessions, audit: deps.commitLog, clock: deps.admin.clock });
  await app.register(consoleRoutes, { assets: loadConsoleAssets(), sessions: deps.people.sessions });
  await app.register(approvalRoutes, { approvals: deps.approvals, sessions: deps.people.sessions, audit: deps.commitLog, clock: deps.admin.clock });
  await app.register(approvalApiRoutes, { approvals: deps.approvals, sessions: deps.people.sessions, audit: deps.commitLog, clock: deps.admin.clock });
  await app.register(adminApp, {
    prefix: '/admin/v1',
    deps: deps.admin,
    authenticate: deps.authenticateAdmin,
    agents: deps.agents,
    federation: deps.federation,
    ca,
    enrollment: deps.enrollment,
    apiKeys: deps.apiKeys,
    importedKeys: deps.importedKeys,
    keyCutover: deps.keyCutover,
    streams: deps.streams,
    limits: deps.limits?.admins,
    users: deps.people.users,
    delegations: oauth.delegations,
    authenticatePerson: deps.people.authenticatePerson,
    loginProviders: { service: deps.people.loginProviders, redirectUri: (id) => deps.people.upstream.redirectUri(id) },
    policies: deps.policies,
    anomalies: deps.anomalies,
    siemSinks: deps.siemSinks,
  });
  // On a listener of its own when a port is set for it (a scrape network apart), else on this one.
  let metricsListener: MetricsListener | undefined;
  if (deps.metrics !== undefined && config.metricsPort !== 0) {
    const listener = await createMetricsListener({ ...deps.metrics, host: config.metricsHost, port: config.metricsPort, logger });
    lifecycle.onClose('metrics listener', () => listener.close());
    metricsListener = listener;
  } else if (deps.metrics !== undefined) {
    await app.register(metricsRoutes, deps.metrics);
  }
  return { app, mtls: mtlsListener, metrics: metricsListener };
}
