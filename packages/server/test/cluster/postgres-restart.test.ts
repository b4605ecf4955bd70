import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPrivatePostgres, type PrivatePostgres } from '../support/private-postgres.js';
import { emptyAcknowledged, registerAgent, type LoadAgent } from '../faults/support/load-driver.js';
import { readyStatus } from '../faults/support/readiness.js';
import { reconcile } from '../faults/support/reconcile.js';
import { startTokenLoad, type TokenLoad } from '../faults/support/token-load.js';
import { refusalsOtherThanUnavailable, whileServing } from '../faults/support/while-serving.js';
import { ADMIN, adminAnswer } from './support/admin-answer.js';
import { startClusterNodes, type ClusterNodes } from './support/cluster-nodes.js';

const NODES = 3;

/**
 * Three server processes on one PostgreSQL (a private cluster: the machine's own is never
 * stopped) under token load on every node, while PostgreSQL is shut down (`pg_ctl stop -m fast`)
 * and started again. Each node refuses what needs the database with 503 and Retry-After, reports
 * itself not ready, stays alive, and serves again by itself once the database is back; no node
 * handed out a token that is not recorded.
 */
describe(`${NODES} nodes on one PostgreSQL that restarts under load`, () => {
  let pg: PrivatePostgres;
  let cluster: ClusterNodes | undefined;
  let agent: LoadAgent;
  let load: TokenLoad | undefined;

  beforeAll(async () => {
    pg = await startPrivatePostgres();
    cluster = await startClusterNodes(NODES, pg.url());
    agent = await registerAgent(cluster.issuer);
  }, 360_000);

  afterAll(async () => {
    await load?.stop();
    await cluster?.stop();
    pg?.destroy();
  });

  const whileUp = whileServing(() => cluster?.servers ?? [], () => load);

  it('every node answers 503 with Retry-After on /token and the admin API while it is down, and serves again without a restart', async () => {
    const { issuer, urls, servers, homes } = cluster as ClusterNodes;
    const pids = servers.map((server) => server.child.pid);
    const acknowledged = emptyAcknowledged();
    const traffic = startTokenLoad(issuer, agent, 3 * NODES, acknowledged, urls);
    load = traffic;
    await whileUp(() => urls.every((url) => traffic.count(200, url) >= 20));

    const refusedBefore = urls.map((url) => traffic.count(503, url));
    pg.stop('fast');
    // Every node refuses token requests at once, none queues them for the database's return.
    await whileUp(() => urls.every((url, i) => traffic.count(503, url) >= (refusedBefore[i] as number) + 10));
    for (const url of urls) {
      expect({ url, ready: await readyStatus(url), live: (await fetch(`${url}/healthz`)).status }).toEqual({ url, ready: 503, live: 200 });
      const unavailable = { status: 503, retryAfter: '5', code: 'storage_unavailable' };
      expect({ url, read: await adminAnswer(url, 'GET'), write: await adminAnswer(url, 'POST') }).toEqual({ url, read: unavailable, write: unavailable });
      // The keys are in memory: what needs no database is still served.
      expect((await fetch(`${url}/jwks`)).status).toBe(200);
    }

    pg.start();
    // Each node, by itself: tokens again, ready again, the admin API again. Same processes.
    const servedInGap = urls.map((url) => traffic.count(200, url));
    await whileUp(() => urls.every((url, i) => traffic.count(200, url) >= (servedInGap[i] as number) + 20), 50);
    await whileUp(async () => (await Promise.all(urls.map(readyStatus))).every((status) => status === 200), 50);
    for (const url of urls) expect({ url, status: (await fetch(`${url}/admin/v1/agents`, { headers: ADMIN })).status }).toEqual({ url, status: 200 });
    await whileUp(() => true);
    await traffic.stop();
    expect(servers.map((server) => [server.child.pid, server.child.exitCode, server.child.signalCode])).toEqual(pids.map((pid) => [pid, null, null]));

    // Every refusal, on every node, was 503 temporarily_unavailable with Retry-After: never a 500,
    // never a dropped connection.
    const others = refusalsOtherThanUnavailable(traffic);
    expect(others.slice(0, 5), `${others.length} refusals were not 503 temporarily_unavailable with Retry-After`).toEqual([]);
    // Every token any node handed out verifies, introspects active (through the first node: one
    // database) and has its access_token.issued record; the audit chain verifies end to end.
    expect(await reconcile(homes[0]!, acknowledged)).toEqual([]);
  }, 240_000);
});
