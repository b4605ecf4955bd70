import type { ClientRequest } from 'node:http';
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { activeTracer } from './spans.js';

/**
 * Traces one outgoing HTTP request (a JWKS fetch, an SSF push, a webhook): a client span, child of
 * whatever is active, ended when the request closes, and the request's `traceparent` and
 * `tracestate` headers set from it (W3C Trace Context §3), so the receiver can continue the trace.
 * Must be called before the request's headers are sent. Does nothing while tracing is off.
 *
 * Attributes follow the HTTP client semantic conventions, but only the scheme, host and port of
 * the URL: a path or query may carry a secret (a webhook's token), so neither is recorded.
 */
export function traceOutbound(request: ClientRequest, url: URL, method: string): void {
  const tracer = activeTracer();
  if (tracer === undefined) return;
  const span = tracer.startSpan(
    method,
    {
      kind: SpanKind.CLIENT,
      attributes: {
        'http.request.method': method,
        'url.scheme': url.protocol.slice(0, -1),
        'server.address': url.hostname,
        'server.port': url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port),
      },
    },
    context.active(),
  );
  const carrier: Record<string, string> = {};
  propagation.inject(trace.setSpan(context.active(), span), carrier);
  for (const [name, value] of Object.entries(carrier)) request.setHeader(name, value);
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    span.end();
  };
  request.once('response', (response) => {
    // Registered before the caller's own listeners: the span has ended by the time the caller
    // settles on the answer's close.
    response.once('close', end);
    const status = response.statusCode ?? 0;
    span.setAttribute('http.response.status_code', status);
    if (status >= 400) {
      span.setAttribute('error.type', String(status));
      span.setStatus({ code: SpanStatusCode.ERROR });
    }
  });
  request.once('error', (error: NodeJS.ErrnoException) => {
    span.setAttribute('error.type', typeof error.code === 'string' ? error.code.slice(0, 64) : 'network');
    span.setStatus({ code: SpanStatusCode.ERROR });
  });
  request.once('close', end);
}
