import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { createServerHome, removeServerHome, startServer, type RunningServer, type ServerHome } from '../faults/support/server-process.js';
import { ASSERTION_TYPE, form, FORM } from '../support/test-server.js';

const FORBID_SDK = new URL('./fixtures/forbid-otel-sdk.mjs', import.meta.url).href;
const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';

interface Received {
  method: string;
  url: string;
  contentType: string;
  body: string;
}

/** A stand-in OTLP/HTTP collector on loopback: it keeps every request and answers 200. */
async function startCollector(): Promise<{ url: string; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = [];
  const server: Server = createServer((request: IncomingMessage, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({ method: request.method ?? '', url: request.url ?? '', contentType: String(request.headers['content-type'] ?? ''), body: Buffer.concat(chunks).toString('utf8') });
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, received, close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        // The exporter keeps its connection alive: cut it, so the next export finds nobody.
        server.closeAllConnections();
      }),
  };
}

interface OtlpBody {
  resourceSpans: { resource: { attributes: { key: string; value: { stringValue?: string } }[] }; scopeSpans: { spans: { name: string; traceId: string }[] }[] }[];
}

/** The names of the spans of TRACE_ID in every OTLP/JSON export received (trace ids are hex in OTLP/JSON). */
function exportedNames(received: readonly Received[]): string[] {
  return received.flatMap((r) => (JSON.parse(r.body) as OtlpBody).resourceSpans.flatMap((spans) => spans.scopeSpans.flatMap((scope) => scope.spans.filter((span) => span.traceId === TRACE_ID).map((span) => span.name))));
}

/** A token request that fails client authentication: it still walks the token path. */
async function askForToken(home: ServerHome, headers: Record<string, string> = {}): Promise<number> {
  const response = await fetch(`${home.url}/token`, { method: 'POST', headers: { ...FORM, ...headers }, body: form({ grant_type: 'client_credentials', client_assertion_type: ASSERTION_TYPE, client_assertion: 'a.b.c' }) });
  return response.status;
}

// Each test starts a server process, which takes many seconds on a loaded machine.
describe('the server process and tracing (docs/monitoring.md, "Traces")', { timeout: 240_000 }, () => {
  const homes: ServerHome[] = [];
  const running: RunningServer[] = [];
  afterAll(async () => {
    for (const server of running) await server.stop();
    for (const home of homes) await removeServerHome(home);
  });
  async function home(env: Record<string, string>): Promise<ServerHome> {
    const made = await createServerHome({ env });
    homes.push(made);
    return made;
  }

  it('without OTEL_TRACES_EXPORTER never loads the OpenTelemetry SDK', async () => {
    const off = await home({ NODE_OPTIONS: `--import=${FORBID_SDK}` });
    const server = await startServer(off);
    running.push(server);
    expect(await askForToken(off)).toBe(401);
    expect(server.output()).not.toContain('OpenTelemetry SDK was loaded');
  });

  it('with OTEL_TRACES_EXPORTER=otlp loads it (the guard above can fail)', async () => {
    const on = await home({ NODE_OPTIONS: `--import=${FORBID_SDK}`, OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' });
    await expect(startServer(on)).rejects.toThrow(/OpenTelemetry SDK was loaded: @opentelemetry\//);
  });

  it('exports the spans of a request to OTEL_EXPORTER_OTLP_ENDPOINT as OTLP/HTTP, and keeps issuing when the collector is gone', async () => {
    const collector = await startCollector();
    try {
      const on = await home({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_SERVICE_NAME: 'agentauth-under-test', OTEL_BSP_SCHEDULE_DELAY: '50' });
      const server = await startServer(on);
      running.push(server);
      expect(await askForToken(on, { traceparent: `00-${TRACE_ID}-b7ad6b7169203331-01` })).toBe(401);
      // The batch processor exports on its own schedule, a trace's spans possibly in several
      // requests: wait for all three, bounded by the test's timeout.
      const wanted = ['POST /token', 'oauth.token', 'oauth.client_authentication'];
      while (!wanted.every((name) => exportedNames(collector.received).includes(name))) await new Promise((resolve) => setTimeout(resolve, 50));
      for (const request of collector.received) expect(request).toMatchObject({ method: 'POST', url: '/v1/traces', contentType: expect.stringContaining('application/json') });
      const services = collector.received.flatMap((r) => (JSON.parse(r.body) as OtlpBody).resourceSpans.map((spans) => spans.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue));
      expect(new Set(services)).toEqual(new Set(['agentauth-under-test']));

      // The collector goes away: every export fails, issuance goes on, and the log says so.
      await collector.close();
      for (let i = 0; i < 5; i++) expect(await askForToken(on)).toBe(401);
      expect((await fetch(`${on.url}/readyz`)).status).toBe(200);
      while (!server.output().includes('OpenTelemetry tracing problem')) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(server.child.exitCode).toBeNull();
    } finally {
      await collector.close();
    }
  });

  it('refuses an exporter it cannot honour, before anything starts', async () => {
    const refused = await home({ OTEL_TRACES_EXPORTER: 'zipkin' });
    await expect(startServer(refused)).rejects.toThrow(/OTEL_TRACES_EXPORTER: "zipkin" is not supported/);
  });
});
