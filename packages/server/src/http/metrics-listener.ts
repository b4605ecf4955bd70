import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { metricsRoutes, type MetricsRoutesOptions } from './metrics-routes.js';

/** A listener of its own for `/metrics`, not yet listening. */
export interface MetricsListener {
  app: FastifyInstance;
  /** Listens; resolves to the port (useful with port 0 in tests). */
  listen(): Promise<number>;
  close(): Promise<void>;
}

/**
 * The separate metrics listener (`metricsPort`, docs/monitoring.md): `/metrics` alone, with the
 * same credential check as on the public listener, for a scrape network apart from the public one.
 */
export async function createMetricsListener(options: MetricsRoutesOptions & { host: string; port: number; logger: Logger }): Promise<MetricsListener> {
  const app = Fastify({ loggerInstance: options.logger as FastifyBaseLogger, logController: new LogController({ disableRequestLogging: true }), forceCloseConnections: true, bodyLimit: 1024 });
  await app.register(metricsRoutes, { metrics: options.metrics, authenticate: options.authenticate });
  return {
    app,
    async listen() {
      await app.listen({ host: options.host, port: options.port });
      const address = app.server.address();
      return typeof address === 'object' && address !== null ? address.port : options.port;
    },
    close: () => app.close(),
  };
}
