import type { FastifyInstance, FastifyRequest } from 'fastify';
import { context, propagation, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import { activeTracer } from '../tracing/spans.js';

const spans = new WeakMap<FastifyRequest, Span>();

/**
 * A server span for every request of `app` (HTTP server semantic conventions), named after the
 * route's template (`POST /token`, `GET /admin/v1/agents/:id`), never the path as sent. An
 * incoming W3C `traceparent` makes it a child of the caller's span (W3C Trace Context §3.2); the
 * handler runs with it active, so the token path's and outbound calls' spans are its children.
 *
 * Attributes: method, route, status and the request id that the log lines and audit records of
 * the request carry; no header, query or body is recorded. Adds no hook while tracing is off.
 */
export function traceRequests(app: FastifyInstance): void {
  const tracer = activeTracer();
  if (tracer === undefined) return;
  app.addHook('onRequest', (request, _reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const parent = propagation.extract(context.active(), request.headers);
    const span = tracer.startSpan(
      `${request.method} ${route}`,
      {
        kind: SpanKind.SERVER,
        attributes: { 'http.request.method': request.method, 'http.route': route, 'url.scheme': request.protocol, 'agentauth.request_id': request.id },
      },
      parent,
    );
    spans.set(request, span);
    done();
  });
  // After the body is read: fastify runs the handler from this callback, so everything it awaits
  // inherits the span as its context (the body's stream events would not).
  app.addHook('preHandler', (request, _reply, done) => {
    const span = spans.get(request);
    if (span === undefined) return done();
    context.with(trace.setSpan(context.active(), span), done);
  });
  app.addHook('onResponse', (request, reply, done) => {
    const span = spans.get(request);
    if (span !== undefined) {
      spans.delete(request);
      span.setAttribute('http.response.status_code', reply.statusCode);
      // HTTP server conventions: only a 5xx is the server's error; a 4xx is the caller's.
      if (reply.statusCode >= 500) {
        span.setAttribute('error.type', String(reply.statusCode));
        span.setStatus({ code: SpanStatusCode.ERROR });
      }
      span.end();
    }
    done();
  });
  // A request abandoned by its client has no response: its span still ends.
  app.addHook('onRequestAbort', (request, done) => {
    const span = spans.get(request);
    if (span !== undefined) {
      spans.delete(request);
      span.setAttribute('error.type', 'aborted');
      span.end();
    }
    done();
  });
}
