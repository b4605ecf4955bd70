import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGuardedPost } from '../../src/net/guarded-post.js';
import { inSpan } from '../../src/tracing/spans.js';
import { startTracing, type InstalledTracing } from '../../src/tracing/start-tracing.js';
import { TRACING_OFF } from '../../src/tracing/tracing-settings.js';

/** A webhook (the approvals' and the audit checkpoints' guarded POST) with tracing on. */
describe('an outbound call carries the trace and keeps its URL secret out of spans', () => {
  const exporter = new InMemorySpanExporter();
  let tracing: InstalledTracing | undefined;
  let receiver: Server;
  let base: string;
  const received: { url: string; traceparent: string | undefined }[] = [];

  beforeAll(async () => {
    tracing = await startTracing(TRACING_OFF, { warn: () => undefined }, exporter);
    receiver = createServer((request, response) => {
      received.push({ url: request.url ?? '', traceparent: request.headers.traceparent as string | undefined });
      request.resume();
      response.writeHead(request.url?.startsWith('/fail') ? 500 : 204).end();
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await tracing?.shutdown();
    await new Promise((resolve) => receiver.close(resolve));
  });

  it('is a client span, child of the active span, whose traceparent the receiver gets; no path or query in it', async () => {
    const post = createGuardedPost({ allowPrivateNetworks: true });
    const parent = await inSpan('approval.notify', {}, async (span) => {
      await post(`${base}/hooks/T0-secret-path?token=s3cret-query`, '{}', 'application/json');
      await expect(post(`${base}/fail/T0-secret-path`, '{}', 'application/json')).rejects.toThrow(/answered 500/);
      return span!.spanContext();
    });
    await tracing!.forceFlush();
    const calls = exporter.getFinishedSpans().filter((span) => span.name === 'POST');
    expect(calls).toHaveLength(2);
    for (const [index, call] of calls.entries()) {
      expect(call.kind).toBe(SpanKind.CLIENT);
      expect(call.spanContext().traceId).toBe(parent.traceId);
      expect(call.parentSpanContext?.spanId).toBe(parent.spanId);
      expect(received[index]?.traceparent).toBe(`00-${parent.traceId}-${call.spanContext().spanId}-01`);
      expect(JSON.stringify(call.attributes)).not.toMatch(/secret|s3cret|hooks|fail/);
    }
    expect(calls[0]?.attributes).toMatchObject({ 'http.request.method': 'POST', 'server.address': '127.0.0.1', 'http.response.status_code': 204 });
    expect(calls[1]?.attributes).toMatchObject({ 'http.response.status_code': 500, 'error.type': '500' });
    expect(calls[1]?.status.code).toBe(SpanStatusCode.ERROR);
  });
});
