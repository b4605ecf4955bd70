import { context, diag, DiagLogLevel, propagation, trace, type DiagLogFunction } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, ConsoleSpanExporter, NodeTracerProvider, type SpanExporter } from '@opentelemetry/sdk-trace-node';
import { useTracer } from './spans.js';
import type { TracingSettings } from './tracing-settings.js';

/** Where the SDK's own complaints (an export that failed, a full queue) are reported. */
export interface TracingLog {
  warn(details: Record<string, unknown>, message: string): void;
}

/** What a running tracer needs from its owner: flushing for tests, shutdown for the lifecycle. */
export interface InstalledTracing {
  /** Exports every span ended so far. */
  forceFlush(): Promise<void>;
  /** Exports what is left, then stops tracing and clears the process-wide registrations. */
  shutdown(): Promise<void>;
}

/** The name spans are recorded under when `OTEL_SERVICE_NAME` does not say otherwise. */
const DEFAULT_SERVICE_NAME = 'agentauth';

/**
 * Builds the OpenTelemetry SDK the settings ask for and makes it the process's tracer. Loaded
 * only by `start-tracing.ts`, with a dynamic import, and only when tracing is on: a server that
 * does not trace never loads the SDK.
 *
 * - Spans leave through a `BatchSpanProcessor`: a bounded queue (`OTEL_BSP_MAX_QUEUE_SIZE`,
 *   default 2048; spans beyond it are dropped) exported in the background, so a slow or failing
 *   collector never slows or fails a request.
 * - The sampler is the SDK's reading of `OTEL_TRACES_SAMPLER` / `OTEL_TRACES_SAMPLER_ARG`
 *   (default `parentbased_always_on`); the OTLP endpoint, headers and timeout are the
 *   exporter's reading of `OTEL_EXPORTER_OTLP_*`.
 * - The resource is `service.name=agentauth` unless `OTEL_SERVICE_NAME` or
 *   `OTEL_RESOURCE_ATTRIBUTES` say otherwise.
 * - Propagation is W3C Trace Context only (`traceparent`, `tracestate`): an incoming
 *   `traceparent` continues the caller's trace, and outgoing calls carry ours.
 *
 * `exporter` replaces the exporters the settings name (tests give an in-memory one); everything
 * else is built exactly as in production.
 */
export function installTracing(settings: TracingSettings, log: TracingLog, exporter?: SpanExporter): InstalledTracing {
  const exporters = exporter === undefined ? settings.exporters.map((name) => (name === 'otlp' ? new OTLPTraceExporter() : new ConsoleSpanExporter())) : [exporter];
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': DEFAULT_SERVICE_NAME }).merge(detectResources({ detectors: [envDetector] })),
    spanProcessors: exporters.map((e) => new BatchSpanProcessor(e)),
  });
  reportSdkProblems(log);
  provider.register({ propagator: new W3CTraceContextPropagator() });
  useTracer(provider.getTracer('agentauth'));
  let stopped: Promise<void> | undefined;
  return {
    forceFlush: () => provider.forceFlush(),
    shutdown: () =>
      (stopped ??= (async () => {
        useTracer(undefined);
        try {
          await provider.shutdown();
        } finally {
          trace.disable();
          context.disable();
          propagation.disable();
          diag.disable();
        }
      })()),
  };
}

/**
 * The SDK reports failed exports through `diag`, which is silent by default: an operator would
 * never learn that spans are being lost. Warnings and errors go to the server's log, as the
 * message's first 200 characters only (an exporter's error object may carry request headers).
 */
function reportSdkProblems(log: TracingLog): void {
  const report: DiagLogFunction = (message) => log.warn({ tracing: String(message).slice(0, 200) }, 'OpenTelemetry tracing problem');
  const ignore: DiagLogFunction = () => undefined;
  diag.setLogger({ error: report, warn: report, info: ignore, debug: ignore, verbose: ignore }, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
}
