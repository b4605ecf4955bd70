import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresDatabase } from '../support/postgres-database.js';
import { ASSERTION_TYPE, BOOTSTRAP_TOKEN, clientAssertion, createAgent, form, FORM, startTestServer, type TestAgent, type TestServer } from '../support/test-server.js';

/** How long node B may take, at most, before the test gives up (its poll runs every 500 ms). */
const GIVE_UP_MS = 15_000;

/**
 * Two nodes on one PostgreSQL database: a policy change applied through node A's admin API changes
 * the decisions of node B once B's poll has loaded it, with nothing else telling B.
 */
describe('a policy change reaches another node (postgres)', () => {
  let database: { url: string; drop: () => Promise<void> };
  let a: TestServer;
  let b: TestServer;
  let agent: TestAgent;

  beforeAll(async () => {
    database = await createPostgresDatabase();
    // 'sqlite' only tells the helper not to create a database of its own; the URL selects PostgreSQL.
    a = await startTestServer('sqlite', { AGENTAUTH_DATABASE_URL: database.url });
    b = await startTestServer('sqlite', { AGENTAUTH_DATABASE_URL: database.url });
    b.clock.set(a.clock.now());
    agent = await createAgent(a.server);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await database?.drop();
  });

  const writeToken = async (node: TestServer) =>
    node.server.app.inject({
      method: 'POST',
      url: '/token',
      headers: FORM,
      payload: form({ grant_type: 'client_credentials', client_assertion_type: ASSERTION_TYPE, client_assertion: await clientAssertion(agent, node.clock.now()), scope: 'orders:write' }),
    });

  it('denies on node B what a forbid applied on node A denies, without B being told', async () => {
    expect((await writeToken(b)).statusCode).toBe(200);
    const applied = await a.server.app.inject({
      method: 'POST',
      url: '/admin/v1/policies/apply',
      headers: { authorization: `Bearer ${BOOTSTRAP_TOKEN}` },
      payload: { source: '@id("no-writes")\nforbid (principal, action, resource) when { context.scope == "orders:write" };' },
    });
    expect(applied.statusCode).toBe(200);
    expect((await writeToken(a)).json().error).toBe('invalid_scope');

    const giveUpAt = Date.now() + GIVE_UP_MS;
    let answer = await writeToken(b);
    while (answer.statusCode === 200 && Date.now() < giveUpAt) {
      await delay(50);
      answer = await writeToken(b);
    }
    expect(answer.statusCode).toBe(400);
    expect(answer.json().error).toBe('invalid_scope');
    expect(b.server.deps.policies.service.current().version).toBe(1);
  });
});
