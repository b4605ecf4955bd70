import { ConfigError } from './config-error.js';
import { TRACING_OFF, type TraceExporterName, type TracingSettings } from '../tracing/tracing-settings.js';

const EXPORTERS: ReadonlySet<string> = new Set<TraceExporterName>(['otlp', 'console']);
/** `exporter-trace-otlp-http` speaks OTLP/HTTP with JSON bodies only. */
const OTLP_PROTOCOLS: ReadonlySet<string> = new Set(['http/json']);

/**
 * Reads `OTEL_SDK_DISABLED`, `OTEL_TRACES_EXPORTER` and the OTLP protocol variables. What the SDK
 * reads by itself (endpoint, headers, timeout, sampler, batch sizes, service name and resource
 * attributes) is left to it. Strict: an exporter or protocol the server cannot honour is refused
 * at start, with every problem at once, rather than silently exporting nothing.
 *
 * @throws ConfigError naming each variable that cannot be honoured (values are short words,
 *   never secrets, but are still cut to 40 characters).
 */
export function readTracingSettings(env: NodeJS.ProcessEnv): TracingSettings {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return TRACING_OFF;
  const named = (env.OTEL_TRACES_EXPORTER ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== '');
  if (named.length === 0 || named.includes('none')) return TRACING_OFF;
  const problems: string[] = [];
  for (const name of named) {
    if (!EXPORTERS.has(name)) problems.push(`OTEL_TRACES_EXPORTER: "${name.slice(0, 40)}" is not supported (otlp, console or none)`);
  }
  if (named.includes('otlp')) {
    // The traces-specific variable wins over the general one (specification, "OTLP Exporter").
    const variable = nonEmpty(env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL) ? 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL' : 'OTEL_EXPORTER_OTLP_PROTOCOL';
    const protocol = env[variable]?.trim().toLowerCase();
    if (nonEmpty(protocol) && !OTLP_PROTOCOLS.has(protocol)) {
      problems.push(`${variable}: "${protocol.slice(0, 40)}" is not supported (traces are sent as http/json)`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze({ exporters: Object.freeze([...new Set(named)] as TraceExporterName[]) });
}

function nonEmpty(value: string | undefined): value is string {
  return value !== undefined && value.trim() !== '';
}
