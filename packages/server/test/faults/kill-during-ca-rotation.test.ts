import { afterAll, describe, expect, it } from 'vitest';
import { BOOTSTRAP_TOKEN } from '../support/test-server.js';
import { killDuring } from './support/kill-during.js';
import { emptyAcknowledged } from './support/load-driver.js';
import { reconcile } from './support/reconcile.js';
import { createServerHome, removeServerHome, startServer, type RunningServer, type ServerHome } from './support/server-process.js';

/**
 * kill -9 of the real server process (SQLite) at a spread of points during POST /admin/v1/ca/rotate.
 * After every restart: every CA has its `ca.created` record and every issuing CA activated later
 * its `ca.rotated` record (and every such record its CA), an acknowledged rotation survived, and
 * the audit chain verifies.
 */
/**
 * Where each kill lands, in ms after the request was sent: a rotation takes some 10 to 150 ms on a
 * busy machine (key generation, signing, one transaction), so these fall before, inside and after
 * its commit; the last kill follows the answer at once. Each restart costs seconds on a busy
 * machine, hence five.
 */
const KILL_POINTS = [0, 20, 60, 110, 'answered'] as const;

describe('kill -9 during CA rotation', () => {
  let home: ServerHome | undefined;
  let server: RunningServer | undefined;
  afterAll(async () => {
    await server?.kill9();
    if (home !== undefined) await removeServerHome(home);
  });

  it('never leaves an issuing CA active without its ca.rotated record, nor loses an acknowledged rotation', async () => {
    home = await createServerHome({ env: { AGENTAUTH_AUDIT_FLUSH_INTERVAL: '2' } });
    server = await startServer(home);
    const url = home.url;
    const acknowledged = emptyAcknowledged();
    const rotate = () => fetch(`${url}/admin/v1/ca/rotate`, { method: 'POST', headers: { authorization: `Bearer ${BOOTSTRAP_TOKEN}` } });
    for (const delayMs of KILL_POINTS) {
      const killed = await killDuring(home, server, rotate, delayMs);
      server = killed.server;
      if (killed.request.answered) {
        expect(killed.request.status).toBe(200);
        const { active_id: activeId } = killed.request.body as { active_id: string | null };
        expect(activeId).not.toBeNull();
        acknowledged.caRotations.push({ activeId: activeId as string });
      }
      expect(await reconcile(home, acknowledged), `killed ${delayMs} ms into the rotation`).toEqual([]);
    }
    expect(acknowledged.caRotations.length).toBeGreaterThan(0);
  }, 240_000);
});
