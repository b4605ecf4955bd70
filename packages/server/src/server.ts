import cluster from 'node:cluster';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import { adminApp } from './http/admin-app.js';
import { registrationRoutes } from './http/registration-routes.js';
import { AgentService } from './agents/agent-service.js';
import type { AuditLog } from './audit/audit-log.js';
import { createCommitLog } from './audit/group-commit.js';
import { announceBootstrapToken, resolveBootstrapToken } from './bootstrap-token.js';
import { lockDataDir, type DataDirLock } from './data-dir-lock.js';
import { assertAddressesFree, listenFailure } from './http/listen-address.js';
import { systemClock, type Clock } from './clock.js';
import type { Config } from './config/config.js';
import type { Deps } from './deps.js';
import { publicApp, PUBLIC_BODY_LIMIT, type PublicAppOptions } from './http/public-app.js';
import { tlsClientCertificate } from './http/mtls-client-certificate.js';
import type { MtlsListener } from './http/mtls-listener.js';
import { createMtlsSetup } from './http/mtls-setup.js';
import { mtlsCertificateAuthority } from './http/mtls-ca-adapter.js';
import { composeSenderConstraints } from './oauth/mtls/compose-sender-constraints.js';
import { createSigningKeyRing, type RotatingSigningKeyRing } from './keys/key-ring.js';
import { resolveMasterKey } from './keys/master-key.js';
import { startKeyRotation } from './keys/start-key-rotation.js';
import { ClientDirectory } from './oauth/client-directory.js';
import { handleIntrospectionRequest } from './oauth/endpoints/introspection-endpoint.js';
import { handleRevocationRequest } from './oauth/endpoints/revocation-endpoint.js';
import { buildServerMetadata, ENDPOINT_PATHS, withMutualTls } from './oauth/endpoints/server-metadata.js';
import { handleTokenRequest } from './oauth/endpoints/token-endpoint.js';
import { ReplayCache } from './oauth/replay-cache.js';
import { createDpopSetup, type DpopSetup } from './oauth/dpop/dpop-setup.js';
import { clientCredentialsGrant } from './oauth/grants/client-credentials-grant.js';
import type { GrantHandler } from './oauth/grants/grant-handler.js';
import { GRANT_CLIENT_CREDENTIALS, GRANT_TOKEN_EXCHANGE } from '@agentauth/protocol';
import { tokenExchangeGrant } from './oauth/grants/token-exchange-grant.js';
import { ownAccessTokenValidator } from './oauth/exchange/own-access-token-validator.js';
import type { SubjectTokenValidator } from './oauth/exchange/subject-token-validator.js';
import { startCascadeRevocation } from './oauth/exchange/cascade-revocation.js';
import { createTokenDigester } from './tokens/token-digest.js';
import { cryptoRandom, type Random } from './random.js';
import { isAgentChangedNotice, type AgentChangedNotice } from './cluster-notice.js';
import { openStore } from './store/sql/open-store.js';
import type { Store } from './store/store.js';
import { RevocationEvents } from './signals/revocation-events.js';
import { createFederation, createRemoteJwks } from './federation/create-federation.js';
import { federatedSubjectTokenValidator } from './federation/federated-subject-token-validator.js';
import { GRANT_JWT_BEARER } from '@agentauth/protocol';
import { createSignals } from './signals/create-signals.js';
import { ssfRoutes } from './http/ssf-routes.js';
import { createCertificateAuthority } from './ca/create-certificate-authority.js';
import type { CertificateAuthority } from './ca/certificate-authority.js';
import { caRoutes } from './http/ca-routes.js';
import { enrollmentRoutes } from './http/enrollment-routes.js';
import { enrollmentServiceOf } from './enrollment/create-enrollment.js';
import { createAuthenticationLimits, type AuthenticationLimits, type RedisLimitOptions } from './limits/authentication-limits.js';

/** What tests may replace; everything else comes from the config. */
export interface ServerOptions {
  clock?: Clock;
  random?: Random;
  logger?: Logger;
  /** Receives the generated bootstrap token at a first start (default: the data directory's `bootstrap-token` file). */
  announceBootstrapToken?: (token: string) => void;
  /** How the failed-authentication limits use Redis: tests keep their keys apart and wait longer on a loaded machine. */
  rateLimitRedis?: RedisLimitOptions;
}

export interface AgentAuthServer {
  app: FastifyInstance;
  deps: Deps & { keys: RotatingSigningKeyRing; directory: ClientDirectory; agents: AgentService };
  /** The RFC 8705 mutual-TLS listener (not yet listening), when it is configured. */
  mtls?: MtlsListener;
  /** The built-in certificate authority (docs/ca.md). */
  ca: CertificateAuthority;
  close(): Promise<void>;
}

const AGENT_CHANGE_POLL_MS = 500;
const KEY_SYNC_MS = 10_000;
const PRUNE_MS = 60_000;
const LAST_SEEN_FLUSH_MS = 5_000;

/**
 * The composition root (DESIGN.md §3): builds the one `Deps` object, the services and the fastify
 * app with its sibling plugins (public OAuth surface, registration, admin API). Nothing listens yet.
 */
export async function createServer(config: Config, options: ServerOptions = {}): Promise<AgentAuthServer> {
  const clock = options.clock ?? systemClock;
  const random = options.random ?? cryptoRandom;
  const logger = options.logger ?? pino({ level: config.logLevel, redact: ['req.headers.authorization', 'req.headers.cookie'] });

  // One SQLite data directory, one server: a cluster's workers run under their primary's lock.
  const lock: DataDirLock | undefined = config.databaseUrl === undefined && !cluster.isWorker ? lockDataDir(config.dataDir) : undefined;
  let store: Store;
  try {
    logger.info('opening the database');
    store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, migrate: true, logger, commitThread: true });
  } catch (error) {
    lock?.release();
    throw error;
  }
  const stops: (() => void)[] = [];
  let dpop: DpopSetup | undefined;
  let limits: AuthenticationLimits | undefined;
  try {
    const masterKey = await resolveMasterKey({ configured: config.masterKey, dataDir: config.dataDir, logger });
    const announce = options.announceBootstrapToken ?? announceBootstrapToken({ dataDir: config.dataDir, logger });
    const bootstrapDigest = await resolveBootstrapToken(store, config.bootstrapToken, random, announce);
    const commitLog = createCommitLog({ store, flushIntervalMs: config.auditFlushInterval, logger });

    const keys = createSigningKeyRing({
      store,
      masterKey,
      clock,
      alg: config.signingAlg,
      rotationInterval: config.keyRotationInterval,
      accessTokenTtl: config.accessTokenTtl,
      logger,
      onEvent: (event, details) => {
        void commitLog
          .record({ time: clock.now(), event, outcome: 'success', agentId: null, actor: 'system', sourceIp: null, reason: null, requestId: null, details: { kid: details.kid } })
          .catch((error: unknown) => logger.error({ err: error }, 'audit of a key event failed'));
      },
    });
    logger.info('loading the signing keys (the first start generates them)');
    await keys.sync();
    stops.push(startKeyRotation(keys, KEY_SYNC_MS, (error) => logger.error({ err: error }, 'signing key sync failed')));

    // One SSRF-guarded remote-JWKS cache: agents' jwks_uri and trusted issuers (docs/federation.md).
    const remoteJwks = createRemoteJwks(config, clock);
    const directory = new ClientDirectory(store, () => clock.now(), undefined, remoteJwks);
    stops.push(directory.watch(AGENT_CHANGE_POLL_MS, (error) => logger.error({ err: error }, 'agent change poll failed')));
    const replayCache = new ReplayCache();
    const dpopSetup = createDpopSetup({ config, masterKey, clock, store, logger });
    dpop = dpopSetup;
    // Failed-authentication limits (docs/oauth.md), counted in Redis when it is configured.
    limits = createAuthenticationLimits({ config, clock, audit: commitLog, logger }, options.rateLimitRedis);
    // Redis is an optimisation for both (the database claim is authoritative; failures are counted
    // in memory until it answers): wait briefly, never fail.
    await Promise.all([dpopSetup.ready(2_000), limits?.ready(2_000)]);
    // One process on SQLite decides DPoP single use itself: it takes over the proofs the previous one handed over.
    await dpopSetup.restore();

    const onAgentChanged = (agentId: string) => {
      directory.invalidate(agentId);
      // Other workers of this node hear of it through the primary, at once.
      if (cluster.isWorker && process.send) process.send({ agentauth: 'agent-changed', agentId } satisfies AgentChangedNotice);
    };
    if (cluster.isWorker) {
      const onMessage = (message: unknown) => {
        if (isAgentChangedNotice(message)) directory.invalidate(message.agentId);
      };
      process.on('message', onMessage);
      stops.push(() => process.off('message', onMessage));
    }

    const lastSeen = new Map<string, number>();
    const flushLastSeen = () => {
      if (lastSeen.size === 0) return;
      const batch = new Map(lastSeen);
      lastSeen.clear();
      store.touchAgents(batch).catch((error: unknown) => logger.warn({ err: error }, 'last-seen update failed'));
    };
    let pruning = false;
    const timers = [
      setInterval(flushLastSeen, LAST_SEEN_FLUSH_MS),
      setInterval(() => {
        replayCache.evictExpired(clock.now());
        dpopSetup.evictExpired(clock.now());
        // Pruning goes in small transactions (token-queries.ts); a pass still running is not doubled.
        if (pruning) return;
        pruning = true;
        store
          .pruneExpired(clock.now())
          .catch((error: unknown) => logger.warn({ err: error }, 'pruning expired records failed'))
          .finally(() => {
            pruning = false;
          });
      }, PRUNE_MS),
    ];
    for (const timer of timers) timer.unref();
    stops.push(() => timers.forEach(clearInterval));

    const events = new RevocationEvents();
    // Services that only audit take the commit log as their `audit`.
    const audit: AuditLog = commitLog;
    const deps = { config, clock, random, logger, store, keys, commitLog, audit, events };
    const agents = new AgentService({ clock, random, store, audit, onAgentChanged, events, trustDomain: config.trustDomain });
    // The built-in CA (docs/ca.md): agents are read through the directory's cache, which every
    // suspension invalidates at once.
    logger.info('loading the certificate authority (the first start creates it)');
    const { ca, stop: stopCa } = await createCertificateAuthority({
      ...deps,
      masterKey,
      agents: { getAgent: async (id) => (await directory.get(id))?.agent },
    });
    stops.push(stopCa);
    // RFC 8705: tls_client_auth trust, certificate binding, the trusted-proxy header, the listener.
    const mtls = createMtlsSetup({ config, clock, logger, ca: mtlsCertificateAuthority(ca, () => clock.now()) });
    const authDeps = { issuer: config.issuer, directory, replayCache, nowMs: () => clock.now(), mtls: mtls.clientAuth, limits: limits?.clients };
    const grants = new Map<string, GrantHandler>([[GRANT_CLIENT_CREDENTIALS, clientCredentialsGrant({ issuer: config.issuer, accessTokenTtl: config.accessTokenTtl })]]);
    // RFC 8693 token exchange. Federation appends its validator (trusted issuers' JWTs) to this list.
    // Our tokens presented back are recognised by a keyed digest kept at issuance (tokens/token-digest.ts).
    const digester = createTokenDigester(masterKey);
    const ownTokens = { issuer: config.issuer, keys, store, digester };
    const subjectTokenValidators: SubjectTokenValidator[] = [ownAccessTokenValidator(ownTokens)];
    grants.set(
      GRANT_TOKEN_EXCHANGE,
      tokenExchangeGrant({
        issuer: config.issuer,
        accessTokenTtl: config.accessTokenTtl,
        maxDelegationDepth: config.maxDelegationDepth,
        validators: subjectTokenValidators,
        own: ownTokens,
        agents: store,
      }),
    );
    // Federated workload login: RFC 7523 §2.1 grant, federated client_assertion, subject_token.
    const federation = await createFederation({ config, clock, random, logger, store, agents: store, audit, replayCache, remoteJwks });
    stops.push(() => federation.stop());
    grants.set(GRANT_JWT_BEARER, federation.grant);
    subjectTokenValidators.push(federatedSubjectTokenValidator({ verifier: federation.verifier, directory }));
    stops.push(startCascadeRevocation({ lineage: store, events, commitLog, clock, logger }));

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
    app.addHook('onSend', async (request, reply) => {
      reply.header('x-request-id', request.id);
    });

    // Each endpoint's dependencies are built once, not per request: POST /token is the hot path.
    const endpointAuth = { ...authDeps, federation: federation.auth };
    const tokenDeps = {
      ...endpointAuth,
      federatedGrant: federation.auth,
      clock,
      random,
      keys,
      digester,
      commitLog,
      grants,
      senderConstraint: composeSenderConstraints(dpopSetup.check, mtls.senderConstraint),
      onClientSeen: (id: string, now: number) => lastSeen.set(id, now),
    };
    const introspectionDeps = { ...endpointAuth, clock, keys, store, digester, commitLog };
    const revocationDeps = {
      ...endpointAuth,
      clock,
      keys,
      store,
      commitLog,
      onTokenRevoked: (jti: string, agentId: string) => events.publish({ kind: 'token_revoked', jti, agentId, at: clock.now(), reason: 'revoked' }),
    };
    const publicOptions: PublicAppOptions = {
      token: (request) => handleTokenRequest(tokenDeps, request),
      introspect: (request) => handleIntrospectionRequest(introspectionDeps, request),
      revoke: (request) => handleRevocationRequest(revocationDeps, request),
      metadata: withMutualTls(buildServerMetadata(config.issuer, config.signingAlg), mtls),
      jwks: () => keys.jwks(),
      ready: async () => {
        let database = true;
        try {
          await store.ping();
        } catch {
          database = false;
        }
        const keysLoaded = keys.ready();
        return { ready: database && keysLoaded, checks: { database, keys: keysLoaded } };
      },
    };
    await app.register(publicApp, { ...publicOptions, clientCertificate: mtls.proxyCertificate });
    const mtlsListener = await mtls.createListener(
      () => random.token(12),
      async (tlsApp) => {
        await tlsApp.register(publicApp, { ...publicOptions, clientCertificate: tlsClientCertificate });
        // The CA's surface too (bundle, CRL, EST, issuance), so agents renew on the connection they authenticate with.
        await tlsApp.register(caRoutes, { ca, auth: { issuer: config.issuer, clock, keys, store }, audit, clock, clientCertificate: tlsClientCertificate });
      },
    );
    // OpenID Shared Signals transmitter (CAEP): every revocation becomes a queued SET.
    const signals = createSignals({ ...deps, issuer: config.issuer, jwksPath: ENDPOINT_PATHS.jwks, allowPrivateReceivers: config.signalsAllowPrivateReceivers, masterKey });
    stops.push(() => signals.stop());
    await app.register(ssfRoutes, signals.routes);
    await app.register(caRoutes, { ca, auth: { issuer: config.issuer, clock, keys, store }, audit, clock, clientCertificate: mtls.proxyCertificate });
    await app.register(registrationRoutes, { deps, agents, bootstrapDigest, limits });
    // One-time enrolment tokens and agents' self-service key rotation (docs/agent-sdk.md).
    const enrollment = enrollmentServiceOf(deps, agents);
    await app.register(enrollmentRoutes, { issuer: config.issuer, enrollment, selfKeys: { auth: authDeps, commitLog, agents }, limits: limits?.clients });
    const enrollmentPrune = setInterval(() => enrollment.pruneExpired().catch((error: unknown) => logger.warn({ err: error }, 'pruning enrolment tokens failed')), PRUNE_MS);
    enrollmentPrune.unref();
    stops.push(() => clearInterval(enrollmentPrune));
    await app.register(adminApp, { prefix: '/admin/v1', deps, agents, bootstrapDigest, federation: federation.service, ca, enrollment, limits: limits?.admins });

    let closed = false;
    return {
      app,
      deps: { ...deps, directory, agents },
      ca,
      ...(mtlsListener === undefined ? {} : { mtls: mtlsListener }),
      async close() {
        if (closed) return;
        closed = true;
        for (const stop of stops) stop();
        flushLastSeen();
        await mtlsListener?.close();
        await app.close();
        // After the last request, before the store closes: the live DPoP proofs go to the database.
        await dpopSetup.close();
        await limits?.close();
        await commitLog.close();
        await store.close();
        lock?.release();
      },
    };
  } catch (error) {
    for (const stop of stops) stop();
    await dpop?.close();
    await limits?.close();
    await store.close();
    lock?.release();
    throw error;
  }
}

/**
 * Builds the server and listens on the configured addresses; stops cleanly on SIGTERM/SIGINT.
 * An address already taken is found before anything is created or audited, and fails with a
 * message naming it; `server.started` is audited only once every listener is up.
 */
export async function startServer(config: Config, options: ServerOptions = {}): Promise<AgentAuthServer> {
  // A cluster's workers share their primary's sockets; the primary checked the addresses.
  if (cluster.isPrimary) await assertAddressesFree(config);
  const server = await createServer(config, options);
  const { logger, commitLog, clock } = server.deps;
  try {
    await server.app.listen({ host: config.host, port: config.port }).catch((error: unknown) => {
      throw listenFailure(error, config.host, config.port);
    });
    if (server.mtls !== undefined) {
      const address = await server.mtls.listen().catch((error: unknown) => {
        throw listenFailure(error, config.mtlsHost, config.mtlsPort);
      });
      logger.info({ port: address.port }, 'agentauth mTLS listener (RFC 8705) listening');
    }
    await commitLog.record({ time: clock.now(), event: 'server.started', outcome: 'success', agentId: null, actor: 'system', sourceIp: null, reason: null, requestId: null, details: { pid: process.pid } });
  } catch (error) {
    await server.close();
    throw error;
  }
  logger.info({ issuer: config.issuer, pid: process.pid }, 'agentauth listening');
  const stop = () => {
    server
      .close()
      .then(() => process.exit(0))
      .catch((error: unknown) => {
        server.deps.logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  return server;
}
