import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTracedWorld, type TracedWorld } from './traced-world.js';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN_ID = '00f067aa0ba902b7';

/**
 * Tracing through the door an operator uses: the server built as `OTEL_TRACES_EXPORTER` builds
 * it (batch processor, sampler, resource, W3C propagation), with an in-memory exporter in place
 * of the OTLP one, issuing real tokens over its HTTP surface and fetching a real JWK Set.
 */
describe('OpenTelemetry traces (docs/monitoring.md, "Traces")', () => {
  const exporter = new InMemorySpanExporter();
  let w: TracedWorld;

  beforeAll(async () => {
    w = await startTracedWorld({ tracing: { exporter } });
  });
  afterAll(async () => w?.close());

  async function spansOf(traceId: string): Promise<ReadableSpan[]> {
    await w.t.server.traces?.forceFlush();
    return exporter.getFinishedSpans().filter((span) => span.spanContext().traceId === traceId);
  }
  const named = (spans: ReadableSpan[], name: string) => {
    const found = spans.filter((span) => span.name === name);
    expect(found, `one ${name} span in ${spans.map((s) => s.name).join(', ')}`).toHaveLength(1);
    return found[0] as ReadableSpan;
  };
  const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

  it('continues an incoming traceparent through /token: the server span, the token steps, the JWKS fetch', async () => {
    const assertion = await w.assertion();
    const before = w.jwksTraceparents.length;
    const response = await w.login(assertion, { traceparent: `00-${TRACE_ID}-${CALLER_SPAN_ID}-01` });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    const accessToken = response.body.access_token as string;

    const spans = await spansOf(TRACE_ID);
    const server = named(spans, 'POST /token');
    expect(server.kind).toBe(SpanKind.SERVER);
    expect(parentOf(server)).toBe(CALLER_SPAN_ID);
    expect(server.attributes).toMatchObject({ 'http.request.method': 'POST', 'http.route': '/token', 'http.response.status_code': 200 });

    const token = named(spans, 'oauth.token');
    expect(parentOf(token)).toBe(server.spanContext().spanId);
    expect(token.attributes).toMatchObject({ 'oauth.grant_type': 'urn:ietf:params:oauth:grant-type:jwt-bearer', 'oauth.client_id': w.agentId });
    expect(token.status.code).not.toBe(SpanStatusCode.ERROR);
    for (const step of ['oauth.client_authentication', 'oauth.grant', 'oauth.policy', 'oauth.sign', 'oauth.commit']) {
      expect(parentOf(named(spans, step)), step).toBe(token.spanContext().spanId);
    }
    expect(named(spans, 'oauth.client_authentication').attributes).toMatchObject({ 'oauth.client_id': w.agentId });
    expect(named(spans, 'oauth.sign').attributes).toMatchObject({ 'jws.alg': expect.any(String), 'jws.kid': expect.any(String) });

    // The trusted issuer's JWK Set is fetched inside the login, and the fetch carries the trace.
    const fetch = named(spans, 'GET');
    expect(fetch.kind).toBe(SpanKind.CLIENT);
    expect(fetch.attributes).toMatchObject({ 'http.request.method': 'GET', 'server.address': '127.0.0.1', 'url.scheme': 'https', 'http.response.status_code': 200 });
    const ancestors = new Set<string>();
    for (let span: ReadableSpan | undefined = fetch; span !== undefined; span = spans.find((s) => s.spanContext().spanId === parentOf(span as ReadableSpan))) ancestors.add(span.name);
    expect(ancestors).toContain('oauth.token');
    expect(w.jwksTraceparents.slice(before)).toEqual([`00-${TRACE_ID}-${fetch.spanContext().spanId}-01`]);

    // Nothing secret in any attribute: not the assertion, not the token, not their signatures.
    const values = spans.flatMap((span) => Object.values(span.attributes).map(String));
    for (const secret of [assertion, accessToken, assertion.split('.')[2] as string, accessToken.split('.')[2] as string]) {
      expect(values.filter((value) => value.includes(secret))).toEqual([]);
    }
  });

  it('starts a new trace without a traceparent, and marks a refused request with its error code', async () => {
    const response = await w.login('not-a-jwt');
    expect(response.status).toBe(400);
    await w.t.server.traces?.forceFlush();
    const refused = exporter.getFinishedSpans().filter((span) => span.name === 'oauth.token' && span.status.code === SpanStatusCode.ERROR);
    expect(refused).toHaveLength(1);
    const token = refused[0] as ReadableSpan;
    expect(token.attributes['error.type']).toBe(response.body.error);
    expect(token.spanContext().traceId).not.toBe(TRACE_ID);
    const server = exporter.getFinishedSpans().find((span) => span.spanContext().spanId === parentOf(token));
    expect(server?.name).toBe('POST /token');
    // A refusal is the caller's error, not the server's (HTTP server conventions).
    expect(server?.attributes['http.response.status_code']).toBe(400);
    expect(server?.status.code).not.toBe(SpanStatusCode.ERROR);
    expect(server?.parentSpanContext).toBeUndefined();
  });

  it('gives each admin API request a server span named after its route', async () => {
    const traceId = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab';
    const response = await w.admin('GET', `/agents/${w.agentId}`, undefined, { traceparent: `00-${traceId}-${CALLER_SPAN_ID}-01` });
    expect(response.status).toBe(200);
    const server = named(await spansOf(traceId), 'GET /admin/v1/agents/:id');
    expect(parentOf(server)).toBe(CALLER_SPAN_ID);
    expect(server.attributes).toMatchObject({ 'http.route': '/admin/v1/agents/:id', 'http.response.status_code': 200, 'agentauth.request_id': expect.any(String) });
    // The bootstrap token travelled in the Authorization header: no attribute holds it.
    expect(JSON.stringify(server.attributes)).not.toMatch(/Bearer|test-bootstrap-token/);
  });

  it('records the service name the resource says', async () => {
    await w.t.server.traces?.forceFlush();
    const [span] = exporter.getFinishedSpans();
    expect(span?.resource.attributes['service.name']).toBe(process.env.OTEL_SERVICE_NAME ?? 'agentauth');
  });
});
