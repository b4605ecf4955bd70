import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activeTracer } from '../../src/tracing/spans.js';
import { startTracedWorld, type TracedWorld } from './traced-world.js';

describe('tracing is off by default (docs/monitoring.md, "Traces")', () => {
  let w: TracedWorld;

  beforeAll(async () => {
    w = await startTracedWorld();
  });
  afterAll(async () => w?.close());

  it('issues tokens with no tracer, and an outbound JWKS fetch carries no traceparent', async () => {
    expect(w.t.server.traces).toBeUndefined();
    expect(activeTracer()).toBeUndefined();
    const before = w.jwksTraceparents.length;
    const response = await w.login(await w.assertion(), { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    const fetched = w.jwksTraceparents.slice(before);
    expect(fetched.length).toBeGreaterThan(0);
    expect(fetched).toEqual(fetched.map(() => undefined));
  });
});
