import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/config-error.js';
import { readTracingSettings } from '../../src/config/read-tracing-settings.js';

describe('readTracingSettings (docs/monitoring.md, "Traces")', () => {
  it('is off without OTEL_TRACES_EXPORTER, with none, and when the SDK is disabled', () => {
    expect(readTracingSettings({}).exporters).toEqual([]);
    expect(readTracingSettings({ OTEL_TRACES_EXPORTER: ' ' }).exporters).toEqual([]);
    expect(readTracingSettings({ OTEL_TRACES_EXPORTER: 'none' }).exporters).toEqual([]);
    expect(readTracingSettings({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_SDK_DISABLED: 'TRUE' }).exporters).toEqual([]);
  });

  it('names the exporters asked for, once each', () => {
    expect(readTracingSettings({ OTEL_TRACES_EXPORTER: 'otlp' }).exporters).toEqual(['otlp']);
    expect(readTracingSettings({ OTEL_TRACES_EXPORTER: 'OTLP, console,otlp' }).exporters).toEqual(['otlp', 'console']);
    expect(readTracingSettings({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }).exporters).toEqual(['otlp']);
    // The traces-specific protocol wins over the general one, which may be meant for metrics.
    expect(readTracingSettings({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json' }).exporters).toEqual(['otlp']);
  });

  it('refuses what it cannot honour, every problem at once', () => {
    const read = () => readTracingSettings({ OTEL_TRACES_EXPORTER: 'otlp,zipkin,jaeger', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'grpc' });
    expect(read).toThrow(ConfigError);
    try {
      read();
    } catch (error) {
      expect((error as ConfigError).problems).toEqual([
        'OTEL_TRACES_EXPORTER: "zipkin" is not supported (otlp, console or none)',
        'OTEL_TRACES_EXPORTER: "jaeger" is not supported (otlp, console or none)',
        'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: "grpc" is not supported (traces are sent as http/json)',
      ]);
    }
  });
});
