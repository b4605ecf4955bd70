import type { FastifyInstance } from 'fastify';
import type { ServerMetrics } from '../metrics/server-metrics.js';

/**
 * Times every request of `app` and of the plugins it registers afterwards (hooks reach the
 * plugins registered after them), labelled with the matched route's template (`/ca/v1/crl/:caId`,
 * never the raw path) or `unmatched`. One histogram observation per answer, after it was sent.
 */
export function measureRequests(app: FastifyInstance, metrics: Pick<ServerMetrics, 'requestServed'>): void {
  app.addHook('onResponse', (request, reply, done) => {
    // A 404 answered by the not-found handler has no route; its URL would be the raw path.
    const route = request.is404 ? undefined : request.routeOptions.url;
    metrics.requestServed(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
    done();
  });
}
