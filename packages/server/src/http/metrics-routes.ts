import type { FastifyInstance } from 'fastify';
import type { ScrapeAuthenticator } from '../admin/authenticate-scraper.js';
import type { ServerMetrics } from '../metrics/server-metrics.js';

/** Where Prometheus scrapes (docs/monitoring.md). */
export const METRICS_PATH = '/metrics';

/** Options of {@link metricsRoutes}. */
export interface MetricsRoutesOptions {
  metrics: Pick<ServerMetrics, 'registry'>;
  authenticate: ScrapeAuthenticator;
}

/**
 * `GET /metrics`: the Prometheus text exposition of the server's registry, to a scrape token or an
 * admin credential only (the figures say how busy the server is and how its agents fare). Anything
 * else is 401 with `WWW-Authenticate: Bearer` (RFC 6750 §3), whatever was wrong with it.
 */
export async function metricsRoutes(app: FastifyInstance, options: MetricsRoutesOptions): Promise<void> {
  const { registry } = options.metrics;
  app.get(METRICS_PATH, async (request, reply) => {
    reply.header('cache-control', 'no-store');
    if (!(await options.authenticate(request.headers.authorization))) {
      return reply.code(401).header('www-authenticate', 'Bearer realm="agentauth metrics"').type('text/plain; charset=utf-8').send('unauthorized\n');
    }
    return reply.type(registry.contentType).send(await registry.metrics());
  });
}
