import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServerHome, removeServerHome, startServer, type RunningServer, type ServerHome } from '../faults/support/server-process.js';
import { Scrape } from '../support/prometheus-scrape.js';
import { freePort } from '../support/test-server.js';

const SCRAPE_TOKEN = 'scrape-token-0123456789abcdefghijklmnopqrstuv';

describe('the metrics listener of the real server process (agentauth-server start)', () => {
  let home: ServerHome;
  let server: RunningServer;
  let metricsPort: number;

  beforeAll(async () => {
    metricsPort = await freePort();
    home = await createServerHome({ env: { AGENTAUTH_METRICS_PORT: String(metricsPort), AGENTAUTH_METRICS_TOKEN: SCRAPE_TOKEN } });
    server = await startServer(home);
  });
  afterAll(async () => {
    await server?.stop();
    if (home !== undefined) await removeServerHome(home);
  });

  it('listens on AGENTAUTH_METRICS_PORT and serves the scrape token there', async () => {
    const response = await fetch(`http://127.0.0.1:${metricsPort}/metrics`, { headers: { authorization: `Bearer ${SCRAPE_TOKEN}` } });
    expect(response.status).toBe(200);
    const scrape = new Scrape(await response.text());
    // The readiness polls that waited for the start were timed on the public listener.
    expect(scrape.count('agentauth_http_request_duration_seconds', { method: 'GET', route: '/readyz', status: '200' })).toBeGreaterThanOrEqual(1);
    expect((await fetch(`${home.url}/metrics`, { headers: { authorization: `Bearer ${SCRAPE_TOKEN}` } })).status).toBe(404);
  });

  it('refuses to start, naming the address, when the metrics port is taken', async () => {
    const taken = createServer();
    const port = await new Promise<number>((resolve) => taken.listen(0, '127.0.0.1', () => resolve((taken.address() as { port: number }).port)));
    const other = await createServerHome({ env: { AGENTAUTH_METRICS_PORT: String(port) } });
    try {
      await expect(startServer(other)).rejects.toThrow(`127.0.0.1:${port}`);
    } finally {
      taken.close();
      await removeServerHome(other);
    }
  });
});
