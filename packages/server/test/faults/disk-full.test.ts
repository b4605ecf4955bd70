import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BOOTSTRAP_TOKEN, freePort } from '../support/test-server.js';
import { emptyAcknowledged, registerAgent, type LoadAgent } from './support/load-driver.js';
import { readyStatus } from './support/readiness.js';
import { reconcile } from './support/reconcile.js';
import { refusalsOtherThanUnavailable, whileServing } from './support/while-serving.js';
import { startServer, type RunningServer, type ServerHome } from './support/server-process.js';
import { cannotMountTmpfs, mountSmallDisk, type SmallDisk } from './support/small-disk.js';
import { startTokenLoad, type TokenLoad } from './support/token-load.js';

/** Room for the database, its WAL and the master key, and little more. */
const DISK_BYTES = 16 * 1024 * 1024;

const unmountable = cannotMountTmpfs();
if (unmountable !== undefined) console.warn(`disk-full test skipped: a tmpfs cannot be mounted here (${unmountable}); it needs root and mount(8)`);

/**
 * One process on SQLite, its data directory on a small tmpfs that the test fills up: the server
 * answers 503 with Retry-After instead of 500, reports itself not ready, survives, and recovers by
 * itself once there is space again; nothing was acknowledged that was not committed.
 */
describe.skipIf(unmountable !== undefined)("the SQLite data directory's disk fills up, then is freed", () => {
  let disk: SmallDisk;
  let home: ServerHome;
  let server: RunningServer;
  let agent: LoadAgent;
  let load: TokenLoad | undefined;

  beforeAll(async () => {
    disk = mountSmallDisk(DISK_BYTES);
    const dataDir = join(disk.path, 'data');
    mkdirSync(dataDir, { mode: 0o700 });
    const port = await freePort();
    home = { dataDir, port, url: `http://127.0.0.1:${port}`, env: {} };
    server = await startServer(home);
    agent = await registerAgent(home.url);
  }, 240_000);

  afterAll(async () => {
    await load?.stop();
    await server?.stop();
    disk?.destroy();
  });

  const whileUp = whileServing(() => server, () => load);

  it('answers 503 temporarily_unavailable with Retry-After and readyz 503 while full, survives, and recovers once freed', async () => {
    const acknowledged = emptyAcknowledged();
    const traffic = startTokenLoad(home.url, agent, 4, acknowledged);
    load = traffic;
    await whileUp(() => traffic.count(200) >= 50);
    expect(disk.fill()).toBeGreaterThan(0);

    // Writes fail: token requests are refused with 503, the node says it is not ready, and the
    // admin API answers its own 503 problem. A small write may still fit where a batch does not:
    // readiness and the admin API are asked until they meet the full disk too.
    await whileUp(() => traffic.count(503) >= 20);
    await whileUp(async () => (await readyStatus(home.url)) === 503);
    let admin: Response | undefined;
    await whileUp(async () => {
      admin = await fetch(`${home.url}/admin/v1/agents`, {
        method: 'POST',
        headers: { authorization: `Bearer ${BOOTSTRAP_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'while-full', owner: 'team', scopes: ['a'], resources: ['https://api.example.com'] }),
      });
      return admin.status !== 201;
    });
    if (admin === undefined) throw new Error('unreachable');
    expect(admin.status).toBe(503);
    expect(admin.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(admin.headers.get('retry-after')).toBe('5');
    expect(await admin.json()).toMatchObject({ type: 'urn:agentauth:problem:storage_unavailable', status: 503, code: 'storage_unavailable' });

    // Space again: tokens are issued and the node is ready, without a restart.
    disk.free();
    const servedWhileFull = traffic.count(200);
    await whileUp(() => traffic.count(200) >= servedWhileFull + 50, 50);
    await whileUp(async () => (await readyStatus(home.url)) === 200, 50);
    await traffic.stop();
    expect(server.child.exitCode, server.output()).toBeNull();

    const others = refusalsOtherThanUnavailable(traffic);
    expect(others.slice(0, 5), `${others.length} refusals were not 503 temporarily_unavailable with Retry-After`).toEqual([]);
    // Nothing acknowledged that was not committed; the audit chain verifies.
    expect(await reconcile(home, acknowledged)).toEqual([]);
  }, 240_000);
});
