/** The span exporters the server can be asked for by `OTEL_TRACES_EXPORTER`. */
export type TraceExporterName = 'otlp' | 'console';

/**
 * Whether the server traces, read from the standard OpenTelemetry variables
 * (OpenTelemetry specification, "Environment Variable Specification"). Tracing is off unless
 * `OTEL_TRACES_EXPORTER` names an exporter: the specification's default (`otlp`) would make
 * every installation send spans to a collector nobody set up.
 */
export interface TracingSettings {
  /** Empty when tracing is off. */
  exporters: readonly TraceExporterName[];
}

/** Tracing off: what a server started without `OTEL_TRACES_EXPORTER` has. */
export const TRACING_OFF: TracingSettings = Object.freeze({ exporters: Object.freeze([]) });

/** True when the settings ask for at least one exporter. */
export function tracingEnabled(settings: TracingSettings): boolean {
  return settings.exporters.length > 0;
}

