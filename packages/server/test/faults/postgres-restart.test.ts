import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPrivatePostgres, type PrivatePostgres } from '../support/private-postgres.js';
import { emptyAcknowledged, registerAgent, type LoadAgent } from './support/load-driver.js';
import { readyStatus } from './support/readiness.js';
import { reconcile } from './support/reconcile.js';
import { refusalsOtherThanUnavailable, whileServing } from './support/while-serving.js';
import { createServerHome, removeServerHome, startServer, type RunningServer, type ServerHome } from './support/server-process.js';
import { startTokenLoad, type TokenLoad } from './support/token-load.js';

/**
 * The server's PostgreSQL stops under load and comes back: the process stays up, requests in the
 * gap are refused with 503 at once, the pool reconnects by itself, and nothing was acknowledged
 * that was not committed. A private cluster: the machine's own PostgreSQL is never stopped.
 */
describe('PostgreSQL stopped and started again under token load', () => {
  let pg: PrivatePostgres;
  let home: ServerHome;
  let server: RunningServer;
  let agent: LoadAgent;
  let load: TokenLoad | undefined;

  beforeAll(async () => {
    pg = await startPrivatePostgres();
    home = await createServerHome({ databaseUrl: pg.url() });
    server = await startServer(home);
    agent = await registerAgent(home.url);
  }, 240_000);

  afterAll(async () => {
    await load?.stop();
    await server?.stop();
    if (home !== undefined) await removeServerHome(home);
    pg?.destroy();
  });

  const whileUp = whileServing(() => server, () => load);

  it('survives pg_ctl stop -m fast and -m immediate; every token handed out is active and audited; the chain verifies', async () => {
    const acknowledged = emptyAcknowledged();
    const traffic = startTokenLoad(home.url, agent, 8, acknowledged);
    load = traffic;
    for (const mode of ['fast', 'immediate'] as const) {
      const served = traffic.count(200);
      await whileUp(() => traffic.count(200) >= served + 50);

      const refusedBefore = traffic.count(503);
      pg.stop(mode);
      // Requests in the gap are refused, not queued, and the node reports itself not ready.
      await whileUp(() => traffic.count(503) >= refusedBefore + 20);
      expect(await readyStatus(home.url)).toBe(503);

      pg.start();
      // Back without a restart of the server: tokens are issued again and the node is ready.
      const servedInGap = traffic.count(200);
      await whileUp(() => traffic.count(200) >= servedInGap + 50, 50);
      await whileUp(async () => (await readyStatus(home.url)) === 200, 50);
    }
    await whileUp(() => true);
    await traffic.stop();
    expect(server.child.exitCode, server.output()).toBeNull();
    expect(server.child.signalCode).toBeNull();

    // Every refusal was a 503 temporarily_unavailable with Retry-After: never a 500, never a
    // connection the server dropped.
    const others = refusalsOtherThanUnavailable(traffic);
    expect(others.slice(0, 5), `${others.length} refusals were not 503 temporarily_unavailable with Retry-After`).toEqual([]);

    // Nothing acknowledged that was not committed: every token handed out verifies, introspects
    // active and has its access_token.issued record; the audit chain verifies end to end.
    expect(await reconcile(home, acknowledged)).toEqual([]);
  }, 240_000);
});
