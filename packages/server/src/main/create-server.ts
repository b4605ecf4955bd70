import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import { createAdminAuthenticator } from '../admin/authenticate-admin.js';
import type { AgentService } from '../agents/agent-service.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { CertificateAuthority } from '../ca/certificate-authority.js';
import { certificatePolicy } from '../ca/certificate-policy.js';
import { registrationPolicy } from '../agents/registration-policy.js';
import { systemClock, type Clock } from '../clock.js';
import type { Config } from '../config/config.js';
import type { Deps } from './deps.js';
import { mtlsCertificateAuthority } from '../http/mtls-ca-adapter.js';
import type { MtlsListener } from '../http/mtls-listener.js';
import type { RotatingSigningKeyRing } from '../keys/key-ring.js';
import type { RedisLimitOptions } from '../limits/authentication-limits.js';
import type { ClientDirectory } from '../oauth/client-directory.js';
import { ENDPOINT_PATHS } from '../oauth/endpoints/server-metadata.js';
import { cascadeRevocation } from '../oauth/exchange/cascade-revocation.js';
import { cryptoRandom, type Random } from '../random.js';
import { RevocationEvents } from '../events/revocation-events.js';
import { Lifecycle } from './lifecycle.js';
import { wireAgents } from './wire-agents.js';
import { wireAuditCheckpoints } from './wire-audit-checkpoints.js';
import { wireSiem } from './wire-siem.js';
import { wireAuthZen, type AuthZen } from './wire-authzen.js';
import { wireCertificateAuthority } from './wire-ca.js';
import { wireEnrollment } from './wire-enrollment.js';
import { ApiKeyService } from '../api-keys/api-key-service.js';
import { ImportedKeyService } from '../imported-keys/imported-key-service.js';
import { wireKeyCutover, type KeyCutover } from './wire-key-cutover.js';
import { wireRevocationListeners } from './wire-events.js';
import { wireFanOut, wireFanOutListeners } from './wire-fan-out.js';
import { wireFederation, wireRemoteJwks } from './wire-federation.js';
import { wireHttp } from './wire-http.js';
import { wireKeys } from './wire-keys.js';
import { wireMtls } from './wire-mtls.js';
import { wireOAuth, wireSingleUse } from './wire-oauth.js';
import { wirePolicies, type Policies } from './wire-policy.js';
import { wireSignals } from './wire-signals.js';
import { wireAnomalies, type Anomalies } from './wire-anomalies.js';
import { AnomalyRisk } from '../anomalies/anomaly-risk.js';
import type { IdleStreamExpiry } from '../signals/idle-stream-expiry.js';
import { recordNodeAgreement, wireStorage } from './wire-storage.js';
import { wirePeople } from './wire-people.js';
import { wireApprovals, type Approvals } from './wire-approvals.js';
import { wireTracing, type TracingOptions } from './wire-tracing.js';
import { createMetrics, wireMetricsSources } from './wire-metrics.js';
import { createScrapeAuthenticator } from '../admin/authenticate-scraper.js';
import type { MetricsListener } from '../http/metrics-listener.js';
import type { ServerMetrics } from '../metrics/server-metrics.js';

/** What tests may replace; everything else comes from the config. */
export interface ServerOptions {
  clock?: Clock;
  random?: Random;
  logger?: Logger;
  /** Receives the generated bootstrap token at a first start (default: the data directory's `bootstrap-token` file). */
  announceBootstrapToken?: (token: string) => void;
  /** How the failed-authentication limits use Redis: tests keep their keys apart and wait longer on a loaded machine. */
  rateLimitRedis?: RedisLimitOptions;
  /** OpenTelemetry tracing (docs/monitoring.md, "Traces"): off unless its settings name an exporter. */
  tracing?: TracingOptions;
  /**
   * False stops this node polling the database for other nodes' agent and signing-key changes, so
   * a test proves that the Redis fan-out alone carried them (default true; deployments keep it).
   */
  crossNodePolling?: boolean;
}

export interface AgentAuthServer {
  app: FastifyInstance;
  deps: Deps & { keys: RotatingSigningKeyRing; directory: ClientDirectory; agents: AgentService; policies: Policies; authzen: AuthZen };
  /** The RFC 8705 mutual-TLS listener (not yet listening), when it is configured. */
  mtls?: MtlsListener;
  /** The separate `/metrics` listener (not yet listening), when `metricsPort` is set. */
  metricsListener?: MetricsListener;
  /** The server's metrics (docs/monitoring.md); undefined when `metrics` is `off`. */
  metrics: ServerMetrics | undefined;
  /** The built-in certificate authority (docs/ca.md). */
  ca: CertificateAuthority;
  /** Expiry of SSF poll streams nobody polls; it sweeps on its own timer, `sweep()` runs one now. */
  idleStreams: Pick<IdleStreamExpiry, 'sweep'>;
  /** Approvals of risky actions (docs/approvals.md): tests wait on their notifications. */
  approvals: Approvals;
  /** The staged cut-over of keys (docs/migration.md): tests wait on its webhook posts. */
  keyCutover: KeyCutover;
  /** Present while tracing is on: exports the spans ended so far (tests read them after this). */
  traces?: { forceFlush(): Promise<void> };
  /** Anomalies (docs/monitoring.md): tests wait on detection and the webhook. */
  anomalies: Anomalies;
  /** Stops everything it started, in the reverse order (main/lifecycle.ts). Idempotent. */
  close(): Promise<void>;
}

/**
 * The composition root: the only code that builds services, opens the database and says who
 * listens to whom (ARCHITECTURE.md, "The composition root"). Each `wire-*.ts` builds one part
 * from the parts before it and registers how to undo it; the order below is the order of
 * dependence. Nothing listens yet (`startServer` does that).
 */
export async function createServer(config: Config, options: ServerOptions = {}): Promise<AgentAuthServer> {
  const clock = options.clock ?? systemClock;
  const random = options.random ?? cryptoRandom;
  const logger = options.logger ?? pino({ level: config.logLevel, redact: ['req.headers.authorization', 'req.headers.cookie'] });
  const lifecycle = new Lifecycle();
  const close = () => lifecycle.close((name, error) => logger.error({ err: error }, `stopping ${name} failed`));
  try {
    const tracing = await wireTracing(options.tracing ?? {}, logger, lifecycle);
    // First, so that every part records into the one registry of this server.
    const metrics = createMetrics(config);
    const { store, masterKey, bootstrapDigest, commitLog, committedAudit } = await wireStorage({ config, logger, random, lifecycle, commitObserver: metrics?.commits }, options.announceBootstrapToken);
    // Services that only audit take the commit log as their `audit`.
    const audit: AuditLog = commitLog;
    const poll = options.crossNodePolling ?? true;
    // Before the parts that publish on it; it hears other nodes only once `listen` is called below.
    const fanOut = await wireFanOut({ config, logger, lifecycle });
    const keys = await wireKeys({ config, clock, logger, store, masterKey, fanOut, poll, lifecycle });
    // The keys unsealed, so the master key is the database's own: record it for the other nodes.
    await recordNodeAgreement(store, config, masterKey);
    const events = new RevocationEvents();
    wireMetricsSources(metrics, { clock, logger, store, events, lifecycle });
    const deps = { config, clock, random, logger, store, keys, commitLog, audit, events };

    const singleUse = await wireSingleUse({ config, clock, logger, store, masterKey, audit, lifecycle, rateLimitRedis: options.rateLimitRedis });
    // One SSRF-guarded remote-JWKS cache: agents' jwks_uri and trusted issuers (docs/federation.md).
    const remoteJwks = wireRemoteJwks(config, clock);
    const policies = await wirePolicies({ config, clock, logger, store, lifecycle, metrics });
    const agents = wireAgents({ ...deps, remoteJwks, registrationPolicy: registrationPolicy(policies.decider), fanOut, poll, lifecycle });
    const ca = await wireCertificateAuthority({ ...deps, masterKey, lifecycle, agents: { getAgent: async (id) => (await agents.directory.get(id))?.agent }, policy: certificatePolicy(policies.decider) });
    const mtls = wireMtls({ config, clock, logger, ca: mtlsCertificateAuthority(ca, () => clock.now()) });
    const federation = await wireFederation({ config, clock, random, logger, store, agents: store, replayCache: singleUse.replayCache, remoteJwks, lifecycle });
    const approvals = wireApprovals({ config, clock, random, logger, store, masterKey, commitLog, lifecycle });
    // Each agent's risk level from its open anomalies, fed to the token policies (docs/monitoring.md).
    const risk = new AnomalyRisk();
    const riskOf = config.anomalyDetection ? (agentId: string) => risk.of(agentId) : undefined;
    const keyCutover = wireKeyCutover({ config, clock, random, logger, store, commitLog, lifecycle });
    const oauth = wireOAuth({ config, clock, random, store, keys, masterKey, commitLog, events, agents, singleUse, mtls, federation, policies, approvals, keyCutover: keyCutover.gate, riskOf, logger, metrics });
    const signals = wireSignals({ ...deps, issuer: config.issuer, jwksPath: ENDPOINT_PATHS.jwks, allowPrivateReceivers: config.signalsAllowPrivateReceivers, idleTtlMs: config.ssfStreamIdleTtl * 1000, masterKey, fanOut, lifecycle });
    keyCutover.transmitWith(signals.transmitter);
    wireRevocationListeners({ events, logger, transmitter: signals.transmitter, ca, cascade: cascadeRevocation({ lineage: store, events, clock, logger }), lifecycle });
    wireFanOutListeners({ fanOut, events, logger, directory: agents.directory, keys, ca, wakeStreams: signals.wakeStreams, lifecycle });
    const anomalies = await wireAnomalies({ config, clock, random, logger, store, audit, committedAudit, directory: agents.directory, agents: agents.service, transmitter: signals.transmitter, risk, lifecycle });
    const enrollment = wireEnrollment({ ...deps, lifecycle }, agents.service);
    const apiKeys = new ApiKeyService({ clock, random, agents: store, store, maxTtlSeconds: config.apiKeyMaxTtl });
    const importedKeys = new ImportedKeyService({ clock, random, agents: store, store, maxTtlSeconds: config.apiKeyMaxTtl });
    // Before the HTTP surfaces, so its shutdown checkpoint is signed after they have stopped.
    wireAuditCheckpoints({ config, clock, logger, store, keys, audit, lifecycle });
    // After the checkpoints, so the last tally is written before the shutdown checkpoint signs the chain.
    const authzen = wireAuthZen({ ...deps, directory: agents.directory, policies, lifecycle });

    // Reads committed audit records on its own loops: nothing on a request path waits for it.
    const siemSinks = wireSiem({ config, clock, random, logger, store, lifecycle });

    const people = wirePeople({ ...deps, masterKey, limiter: singleUse.limits?.logins, lifecycle, agents: agents.service, revokeTokens: oauth.revokePersonTokens });

    const authenticateAdmin = createAdminAuthenticator({ issuer: config.issuer, bootstrapDigest, clock, keys, store });
    const http = await wireHttp({
      config,
      random,
      logger,
      lifecycle,
      oauth,
      mtls,
      signals: signals.routes,
      authzen: authzen.routes,
      streams: signals.administration,
      ca,
      caAuth: { issuer: config.issuer, clock, keys, store },
      registration: deps,
      admin: deps,
      authenticateAdmin,
      agents: agents.service,
      enrollment,
      apiKeys,
      importedKeys,
      keyCutover: keyCutover.service,
      federation: federation.service,
      commitLog,
      limits: singleUse.limits,
      people,
      approvals: approvals.service,
      anomalies: anomalies.service,
      policies: { service: policies.service, decider: policies.decider, lifetimes: { token: config.accessTokenTtl, certificate: config.certificateTtl } },
      siemSinks,
      metrics: metrics === undefined ? undefined : { metrics, authenticate: createScrapeAuthenticator({ scrapeToken: config.metricsToken, authenticateAdmin }) },
    });
    // Held long polls are answered before the listener closes, so none holds the shutdown up.
    lifecycle.onClose('long polls', () => signals.wakeLongPolls());

    return {
      app: http.app,
      deps: { ...deps, directory: agents.directory, agents: agents.service, policies, authzen },
      ca,
      idleStreams: signals.idleStreams,
      approvals,
      keyCutover,
      anomalies,
      ...(http.mtls === undefined ? {} : { mtls: http.mtls }),
      ...(tracing === undefined ? {} : { traces: { forceFlush: () => tracing.forceFlush() } }),
      ...(http.metrics === undefined ? {} : { metricsListener: http.metrics }),
      metrics,
      close,
    };
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
  }
}
