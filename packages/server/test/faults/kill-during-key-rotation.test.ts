import { afterAll, describe, expect, it } from 'vitest';
import { BOOTSTRAP_TOKEN } from '../support/test-server.js';
import { killDuring } from './support/kill-during.js';
import { emptyAcknowledged, registerAgent, startLoad } from './support/load-driver.js';
import { reconcile } from './support/reconcile.js';
import { createServerHome, removeServerHome, startServer, type RunningServer, type ServerHome } from './support/server-process.js';

/**
 * kill -9 of the real server process (SQLite) at a spread of points during POST
 * /admin/v1/keys/rotate, with clients getting tokens meanwhile. After every restart: the keys and
 * their `signing_key.*` records pair up, an acknowledged rotation survived, and every token a
 * client received still verifies against /jwks and introspects active.
 */
/**
 * Where each kill lands, in ms after the request was sent: a rotation takes some 10 to 150 ms on a
 * busy machine (key generation, signing, one transaction), so these fall before, inside and after
 * its commit; the last kill follows the answer at once. Each restart costs seconds on a busy
 * machine, hence five.
 */
const KILL_POINTS = [0, 20, 60, 110, 'answered'] as const;

describe('kill -9 during signing key rotation', () => {
  let home: ServerHome | undefined;
  let server: RunningServer | undefined;
  afterAll(async () => {
    await server?.kill9();
    if (home !== undefined) await removeServerHome(home);
  });

  it('never leaves a key change without its audit record, nor loses an acknowledged rotation', async () => {
    home = await createServerHome({ env: { AGENTAUTH_AUDIT_FLUSH_INTERVAL: '2' } });
    server = await startServer(home);
    const url = home.url;
    const acknowledged = emptyAcknowledged();
    const agent = await registerAgent(url, acknowledged);
    // Forced: a fresh key is never published long enough for an unforced rotation.
    const rotate = () => fetch(`${url}/admin/v1/keys/rotate`, { method: 'POST', headers: { authorization: `Bearer ${BOOTSTRAP_TOKEN}`, 'content-type': 'application/json' }, body: '{"force":true}' });
    for (const delayMs of KILL_POINTS) {
      const load = startLoad({ url, agent, intervalMs: 25, acknowledged });
      const killed = await killDuring(home, server, rotate, delayMs);
      server = killed.server;
      await load.stop();
      if (killed.request.answered) {
        expect(killed.request.status).toBe(200);
        const body = killed.request.body as { active_kid: string; prepared_kid: string };
        acknowledged.keyRotations.push({ activeKid: body.active_kid, preparedKid: body.prepared_kid });
      }
      expect(await reconcile(home, acknowledged), `killed ${delayMs} ms into the rotation`).toEqual([]);
    }
    expect(acknowledged.keyRotations.length).toBeGreaterThan(0);
  }, 240_000);
});
