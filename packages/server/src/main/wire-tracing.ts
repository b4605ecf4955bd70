import { startTracing, type InstalledTracing, type SpanExporter, type TracingLog } from '../tracing/start-tracing.js';
import { TRACING_OFF, type TracingSettings } from '../tracing/tracing-settings.js';
import type { Lifecycle } from './lifecycle.js';

/** How a server traces: the settings read from `OTEL_*`, and for tests an exporter of their own. */
export interface TracingOptions {
  /** From `readTracingSettings(env)`; off when absent. */
  settings?: TracingSettings;
  /** Tests: replaces the exporters the settings name (an in-memory one), built otherwise as in production. */
  exporter?: SpanExporter;
}

/**
 * Tracing (docs/monitoring.md, "Traces"), started before anything else is built, so every
 * surface sees it on or off from its first request, and stopped after everything else: its
 * close step is the first registered, so the last spans (the shutdown's own) are exported.
 */
export async function wireTracing(options: TracingOptions, log: TracingLog, lifecycle: Lifecycle): Promise<InstalledTracing | undefined> {
  const tracing = await startTracing(options.settings ?? TRACING_OFF, log, options.exporter);
  if (tracing !== undefined) lifecycle.onClose('tracing', () => tracing.shutdown());
  return tracing;
}
