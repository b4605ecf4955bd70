import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPrivatePostgres, type PrivatePostgres } from '../support/private-postgres.js';
import { emptyAcknowledged, registerAgent, type LoadAgent } from '../faults/support/load-driver.js';
import { readyStatus } from '../faults/support/readiness.js';
import { reconcile } from '../faults/support/reconcile.js';
import { startTokenLoad, type TokenLoad } from '../faults/support/token-load.js';
import { refusalsOtherThanUnavailable, whileServing } from '../faults/support/while-serving.js';
import { adminAnswer } from './support/admin-answer.js';
import { startClusterNodes, type ClusterNodes } from './support/cluster-nodes.js';

const NODES = 2;

/**
 * PostgreSQL that stops answering without closing anything (its processes frozen with SIGSTOP: a
 * hung host, a network that drops packets): established connections stay open and silent, new
 * ones are accepted by the kernel and never greeted. The nodes must still answer every request,
 * with 503 and Retry-After, rather than hold it until TCP gives up hours later; and serve again by
 * themselves once PostgreSQL answers.
 */
describe(`${NODES} nodes on a PostgreSQL that stops answering under load`, () => {
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
    pg?.thaw();
    await load?.stop();
    await cluster?.stop();
    pg?.destroy();
  });

  const whileUp = whileServing(() => cluster?.servers ?? [], () => load);

  it('answers the requests caught on silent connections with 503, reports not ready, and recovers when it answers again', async () => {
    const { issuer, urls, homes } = cluster as ClusterNodes;
    const acknowledged = emptyAcknowledged();
    const traffic = startTokenLoad(issuer, agent, 4 * NODES, acknowledged, urls);
    load = traffic;
    await whileUp(() => urls.every((url) => traffic.count(200, url) >= 20));

    const refusedBefore = urls.map((url) => traffic.count(503, url));
    pg.freeze();
    try {
      // Every client was caught mid-request on a connection that went silent; each must be answered.
      await whileUp(() => urls.every((url, i) => traffic.count(503, url) >= (refusedBefore[i] as number) + 4 * 2), 100);
      const unavailable = { status: 503, retryAfter: '5', code: 'storage_unavailable' };
      for (const url of urls) expect({ url, ready: await readyStatus(url), admin: await adminAnswer(url, 'GET') }).toEqual({ url, ready: 503, admin: unavailable });
    } finally {
      pg.thaw();
    }
    const servedInGap = urls.map((url) => traffic.count(200, url));
    await whileUp(() => urls.every((url, i) => traffic.count(200, url) >= (servedInGap[i] as number) + 20), 50);
    await whileUp(async () => (await Promise.all(urls.map(readyStatus))).every((status) => status === 200), 50);
    await traffic.stop();

    const others = refusalsOtherThanUnavailable(traffic);
    expect(others.slice(0, 5), `${others.length} refusals were not 503 temporarily_unavailable with Retry-After`).toEqual([]);
    expect(await reconcile(homes[0]!, acknowledged)).toEqual([]);
  }, 240_000);
});
