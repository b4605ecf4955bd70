import cluster from 'node:cluster';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import { adminApp } from './http/admin-app.js';
import { registrationRoutes } from './http/registration-routes.js';
import { AgentService } from './agents/agent-service.js';
import { createGroupCommitAuditLog } from './audit/group-commit.js';
import { printBootstrapToken, resolveBootstrapToken } from './bootstrap-token.js';
import { systemClock, type Clock } from './clock.js';
import type { Config } from './config/config.js';
import type { Deps } from './deps.js';
import { publicApp, PUBLIC_BODY_LIMIT } from './http/public-app.js';
import { createSigningKeyRing, type RotatingSigningKeyRing } from './keys/key-ring.js';
import { resolveMasterKey } from './keys/master-key.js';
import { startKeyRotation } from './keys/start-key-rotation.js';
import { ClientDirectory } from './oauth/client-directory.js';
import { handleIntrospectionRequest } from './oauth/endpoints/introspection-endpoint.js';
import { handleRevocationRequest } from './oauth/endpoints/revocation-endpoint.js';
import { buildServerMetadata } from './oauth/endpoints/server-metadata.js';
import { handleTokenRequest } from './oauth/endpoints/token-endpoint.js';
import { ReplayCache } from './oauth/replay-cache.js';
import { clientCredentialsGrant } from './oauth/grants/client-credentials-grant.js';
import type { GrantHandler } from './oauth/grants/grant-handler.js';
import { GRANT_CLIENT_CREDENTIALS } from '@agentauth/protocol';
import { cryptoRandom, type Random } from './random.js';
import { isAgentChangedNotice, type AgentChangedNotice } from './cluster-notice.js';
import { openStore } from './store/sql/open-store.js';
import { RevocationEvents } from './signals/revocation-events.js';

/** What tests may replace; everything else comes from the config. */
export interface ServerOptions {
  clock?: Clock;
  random?: Random;
  logger?: Logger;
  /** Receives the generated bootstrap token at a first start (default: printed once). */
  announceBootstrapToken?: (token: string) => void;
}

export interface AgentAuthServer {
  app: FastifyInstance;
  deps: Deps & { keys: RotatingSigningKeyRing; directory: ClientDirectory; agents: AgentService };
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

  const store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, migrate: true, logger });
  const stops: (() => void)[] = [];
  try {
    const masterKey = await resolveMasterKey({ configured: config.masterKey, dataDir: config.dataDir, logger });
    const bootstrapDigest = await resolveBootstrapToken(store, config.bootstrapToken, random, options.announceBootstrapToken ?? printBootstrapToken);
    const audit = createGroupCommitAuditLog({ store, flushIntervalMs: config.auditFlushInterval, logger });

    const keyEvents: { event: 'signing_key.created' | 'signing_key.rotated' | 'signing_key.retired'; kid: string }[] = [];
    const keys = createSigningKeyRing({
      store,
      masterKey,
      clock,
      alg: config.signingAlg,
      rotationInterval: config.keyRotationInterval,
      accessTokenTtl: config.accessTokenTtl,
      logger,
      onEvent: (event, details) => {
        keyEvents.push({ event, kid: details.kid });
        void audit
          .record({ time: clock.now(), event, outcome: 'success', agentId: null, actor: 'system', sourceIp: null, reason: null, requestId: null, details: { kid: details.kid } })
          .catch((error: unknown) => logger.error({ err: error }, 'audit of a key event failed'));
      },
    });
    await keys.sync();
    stops.push(startKeyRotation(keys, KEY_SYNC_MS, (error) => logger.error({ err: error }, 'signing key sync failed')));

    const directory = new ClientDirectory(store, () => clock.now());
    stops.push(directory.watch(AGENT_CHANGE_POLL_MS, (error) => logger.error({ err: error }, 'agent change poll failed')));
    const replayCache = new ReplayCache();

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
    const timers = [
      setInterval(flushLastSeen, LAST_SEEN_FLUSH_MS),
      setInterval(() => {
        replayCache.evictExpired(clock.now());
        store.pruneExpired(clock.now()).catch((error: unknown) => logger.warn({ err: error }, 'pruning expired records failed'));
      }, PRUNE_MS),
    ];
    for (const timer of timers) timer.unref();
    stops.push(() => timers.forEach(clearInterval));

    const events = new RevocationEvents();
    const deps = { config, clock, random, logger, store, keys, audit, events };
    const agents = new AgentService({ clock, random, store, audit, onAgentChanged, events });
    const authDeps = { issuer: config.issuer, directory, replayCache, nowMs: () => clock.now() };
    const grants = new Map<string, GrantHandler>([[GRANT_CLIENT_CREDENTIALS, clientCredentialsGrant({ issuer: config.issuer, accessTokenTtl: config.accessTokenTtl })]]);

    const app = Fastify({
      loggerInstance: logger as FastifyBaseLogger,
      // Per-request logs would cost more than the rest of POST /token; refusals and errors are logged.
      logController: new LogController({ disableRequestLogging: true }),
      bodyLimit: PUBLIC_BODY_LIMIT,
      trustProxy: config.trustedProxies.length > 0 ? [...config.trustedProxies] : false,
      genReqId: () => random.token(12),
      requestIdHeader: false,
    });
    app.addHook('onSend', async (request, reply) => {
      reply.header('x-request-id', request.id);
    });

    await app.register(publicApp, {
      token: (request) =>
        handleTokenRequest(
          { ...authDeps, clock, random, keys, audit, grants, onClientSeen: (id, now) => lastSeen.set(id, now) },
          request,
        ),
      introspect: (request) => handleIntrospectionRequest({ ...authDeps, clock, keys, store, audit }, request),
      revoke: (request) =>
        handleRevocationRequest(
          { ...authDeps, clock, keys, store, audit, onTokenRevoked: (jti, agentId) => events.publish({ kind: 'token_revoked', jti, agentId, at: clock.now(), reason: 'revoked' }) },
          request,
        ),
      metadata: buildServerMetadata(config.issuer, config.signingAlg),
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
    });
    await app.register(registrationRoutes, { deps, agents, bootstrapDigest });
    await app.register(adminApp, { prefix: '/admin/v1', deps, agents, bootstrapDigest });

    await audit.record({ time: clock.now(), event: 'server.started', outcome: 'success', agentId: null, actor: 'system', sourceIp: null, reason: null, requestId: null, details: { pid: process.pid } });

    let closed = false;
    return {
      app,
      deps: { ...deps, directory, agents },
      async close() {
        if (closed) return;
        closed = true;
        for (const stop of stops) stop();
        flushLastSeen();
        await app.close();
        await audit.close();
        await store.close();
      },
    };
  } catch (error) {
    for (const stop of stops) stop();
    await store.close();
    throw error;
  }
}

/** Builds the server and listens on the configured address; stops cleanly on SIGTERM/SIGINT. */
export async function startServer(config: Config, options: ServerOptions = {}): Promise<AgentAuthServer> {
  const server = await createServer(config, options);
  await server.app.listen({ host: config.host, port: config.port });
  server.deps.logger.info({ issuer: config.issuer, pid: process.pid }, 'agentauth listening');
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
