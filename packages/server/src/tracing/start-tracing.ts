import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { InstalledTracing, TracingLog } from './sdk-tracing.js';
import { tracingEnabled, type TracingSettings } from './tracing-settings.js';

export type { InstalledTracing, TracingLog } from './sdk-tracing.js';
export type { SpanExporter } from '@opentelemetry/sdk-trace-base';

/**
 * Starts tracing when the settings ask for it, and only then loads the OpenTelemetry SDK (a
 * dynamic import): with tracing off, nothing but `@opentelemetry/api`'s types is in the process.
 * Resolves to undefined when tracing is off.
 *
 * `exporter` (tests) replaces the exporters the settings name and turns tracing on by itself.
 */
export async function startTracing(settings: TracingSettings, log: TracingLog, exporter?: SpanExporter): Promise<InstalledTracing | undefined> {
  if (!tracingEnabled(settings) && exporter === undefined) return undefined;
  const { installTracing } = await import('./sdk-tracing.js');
  return installTracing(settings, log, exporter);
}
