import { afterEach, describe, expect, it } from 'vitest';
import { createPostgresDatabase } from '../support/postgres-database.js';
import { until } from '../support/until.js';
import { emptyAcknowledged, registerAgent, startLoad } from './support/load-driver.js';
import { reconcile } from './support/reconcile.js';
import { createServerHome, removeServerHome, startServer, type RunningServer, type ServerHome } from './support/server-process.js';

/**
 * kill -9 of the real server process while clients get and revoke tokens, several times over:
 * after each restart, everything the server had acknowledged must still hold. SQLite in the data
 * directory three times; PostgreSQL twice.
 */
describe('kill -9 under token load', () => {
  let home: ServerHome | undefined;
  let server: RunningServer | undefined;
  let dropDatabase: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await server?.kill9();
    if (home !== undefined) await removeServerHome(home);
    await dropDatabase?.();
    home = server = dropDatabase = undefined;
  });

  it.each([
    ['sqlite', 3],
    ['postgres', 2],
  ] as const)('keeps every acknowledged token, revocation and registration across kills (%s, %i kills)', async (backend, kills) => {
    let databaseUrl: string | undefined;
    if (backend === 'postgres') {
      const database = await createPostgresDatabase();
      databaseUrl = database.url;
      dropDatabase = database.drop;
    }
    home = await createServerHome({ env: { AGENTAUTH_AUDIT_FLUSH_INTERVAL: '2' }, ...(databaseUrl === undefined ? {} : { databaseUrl }) });
    server = await startServer(home);
    const acknowledged = emptyAcknowledged();
    for (let round = 0; round < kills; round++) {
      const agent = await registerAgent(home.url, acknowledged);
      const load = startLoad({ url: home.url, agent, intervalMs: 10, revokeEvery: 4, acknowledged });
      // Kill at a different depth into the load each time: the count, not the clock, decides; and
      // not before this round has an acknowledged revocation to lose (on a loaded machine the
      // revocations can trail the tokens by more than the depth).
      const target = acknowledged.tokens.length + 15 + round * 10;
      const revokedBefore = acknowledged.revoked.size;
      await until(() => acknowledged.tokens.length >= target && acknowledged.revoked.size > revokedBefore, 5);
      await server.kill9();
      await load.stop();
      expect(load.counts().failed).toBeGreaterThan(0);
      server = await startServer(home);
      expect(await reconcile(home, acknowledged)).toEqual([]);
    }
    expect(acknowledged.revoked.size).toBeGreaterThan(0);
  }, 240_000);
});
