import { SpanStatusCode, type Attributes, type Span, type Tracer } from '@opentelemetry/api';

/**
 * The tracer the server's spans come from, or undefined while tracing is off. Off is the default
 * and then every helper below returns at its first line: the hot path pays one variable read,
 * creates no span and touches no context (docs/monitoring.md, "Traces").
 *
 * Module state rather than an injected dependency because span context already is process-wide
 * in OpenTelemetry (the context manager and propagator are globals of `@opentelemetry/api`); the
 * one place that sets it is `sdk-tracing.ts`.
 */
let current: Tracer | undefined;

/** The tracer in use, or undefined when tracing is off. */
export function activeTracer(): Tracer | undefined {
  return current;
}

/** Called by `sdk-tracing.ts` only: starts (a tracer) or stops (undefined) the server's spans. */
export function useTracer(tracer: Tracer | undefined): void {
  current = tracer;
}

/**
 * Runs `fn` inside a child span of the active one. The span ends when `fn` settles; a throw marks
 * it as an error, with {@link errorCodeOf}'s code as `error.type` and never the error's message
 * (messages may quote what a caller sent). Only names and codes go into attributes, never a
 * token, an assertion or a key (ARCHITECTURE.md, Security rules).
 */
export function inSpan<T>(name: string, attributes: Attributes, fn: (span: Span | undefined) => Promise<T>): Promise<T> {
  const tracer = current;
  // Not async itself: while tracing is off, the caller awaits `fn`'s own promise, nothing more.
  if (tracer === undefined) return fn(undefined);
  return tracer.startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await fn(span);
    } catch (error) {
      markFailed(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}

/** {@link inSpan} for synchronous work (signing, a policy decision answered from memory). */
export function inSpanSync<T>(name: string, attributes: Attributes, fn: (span: Span | undefined) => T): T {
  const tracer = current;
  if (tracer === undefined) return fn(undefined);
  return tracer.startActiveSpan(name, { attributes }, (span) => {
    try {
      return fn(span);
    } catch (error) {
      markFailed(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}

/** Marks a span failed with an error code: an `OAuthError`'s `code`, a `FetchError`'s, or the error's class name. */
export function markFailed(span: Span | undefined, error: unknown, code = errorCodeOf(error)): void {
  if (span === undefined) return;
  span.setAttribute('error.type', code);
  span.setStatus({ code: SpanStatusCode.ERROR });
}

/**
 * The code an error is known by: a string `code` member (protocol error codes, fetch failure
 * kinds) when it is a short identifier, else the class name. Never the message.
 */
export function errorCodeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^[A-Za-z0-9_.-]{1,64}$/.test(code)) return code;
  return error instanceof Error ? error.name.slice(0, 64) : 'unknown';
}
