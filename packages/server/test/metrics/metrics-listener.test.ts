import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Scrape } from '../support/prometheus-scrape.js';
import { BOOTSTRAP_TOKEN, createAgent, freePort, startListeningTestServer, type TestServer } from '../support/test-server.js';

const SCRAPE_TOKEN = 'scrape-token-0123456789abcdefghijklmnopqrstuv';

describe('a separate metrics listener (metricsPort)', () => {
  let t: TestServer;
  let base: string;
  let metricsBase: string;

  beforeAll(async () => {
    const port = await freePort();
    const started = await startListeningTestServer('sqlite', { AGENTAUTH_METRICS_TOKEN: SCRAPE_TOKEN, AGENTAUTH_METRICS_PORT: String(port) });
    t = started.t;
    base = started.issuer.origin;
    expect(await t.server.metricsListener?.listen()).toBe(port);
    metricsBase = `http://127.0.0.1:${port}`;
    await createAgent(t.server);
  });
  afterAll(async () => t?.close());

  it('serves /metrics there, with the same credential check, and no longer on the public listener', async () => {
    expect((await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${SCRAPE_TOKEN}` } })).status).toBe(404);
    const refused = await fetch(`${metricsBase}/metrics`);
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toMatch(/^Bearer /);
    for (const token of [SCRAPE_TOKEN, BOOTSTRAP_TOKEN]) {
      const response = await fetch(`${metricsBase}/metrics`, { headers: { authorization: `Bearer ${token}` } });
      expect(response.status).toBe(200);
      const scrape = new Scrape(await response.text());
      // The admin request that registered the agent was timed on the public listener.
      expect(scrape.count('agentauth_http_request_duration_seconds', { method: 'POST', route: '/admin/v1/agents', status: '201' })).toBe(1);
    }
  });

  it('serves nothing else', async () => {
    expect((await fetch(`${metricsBase}/token`, { method: 'POST' })).status).toBe(404);
    expect((await fetch(`${metricsBase}/admin/v1/agents`, { headers: { authorization: `Bearer ${BOOTSTRAP_TOKEN}` } })).status).toBe(404);
  });
});

describe('metrics off', () => {
  let t: TestServer;
  let base: string;

  beforeAll(async () => {
    const started = await startListeningTestServer('sqlite', { AGENTAUTH_METRICS: 'off' });
    t = started.t;
    base = started.issuer.origin;
  });
  afterAll(async () => t?.close());

  it('serves no /metrics and counts nothing', async () => {
    expect((await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${BOOTSTRAP_TOKEN}` } })).status).toBe(404);
    expect(t.server.metrics).toBeUndefined();
  });
});
