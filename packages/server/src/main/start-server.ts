import cluster from 'node:cluster';
import type { Config } from '../config/config.js';
import { assertAddressesFree, listenFailure } from '../http/listen-address.js';
import { createServer, type AgentAuthServer, type ServerOptions } from './create-server.js';

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
    if (server.metricsListener !== undefined) {
      const port = await server.metricsListener.listen().catch((error: unknown) => {
        throw listenFailure(error, config.metricsHost, config.metricsPort);
      });
      logger.info({ port }, 'agentauth metrics listener listening');
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
