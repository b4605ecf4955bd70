import { randomBytes } from 'node:crypto';
import { decodeProtectedHeader } from 'jose';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresDatabase } from '../support/postgres-database.js';
import { ASSERTION_TYPE, BOOTSTRAP_TOKEN, ISSUER, clientAssertion, createAgent, form, FORM, startTestServer, type TestAgent, type TestServer } from '../support/test-server.js';
import { until } from '../support/until.js';
import { onlyWakeUpsEndLongPolls } from '../support/long-poll-wake-ups.js';

const REDIS_URL = process.env.AGENTAUTH_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const ADMIN = { authorization: `Bearer ${BOOTSTRAP_TOKEN}` };

function token(t: TestServer, agent: TestAgent) {
  return clientAssertion(agent, t.clock.now()).then((assertion) =>
    t.server.app.inject({ method: 'POST', url: '/token', headers: FORM, payload: form({ grant_type: 'client_credentials', client_assertion_type: ASSERTION_TYPE, client_assertion: assertion }) }),
  );
}

async function introspect(t: TestServer, inspector: TestAgent, accessToken: string): Promise<boolean> {
  const assertion = await clientAssertion(inspector, t.clock.now());
  const response = await t.server.app.inject({ method: 'POST', url: '/introspect', headers: FORM, payload: form({ token: accessToken, client_assertion_type: ASSERTION_TYPE, client_assertion: assertion }) });
  expect(response.statusCode).toBe(200);
  return (response.json() as { active: boolean }).active;
}

/**
 * Two server instances (two nodes) on one PostgreSQL database. With Redis, neither node polls the
 * database for other nodes' changes (`crossNodePolling: false`): whatever node B learns of node A's
 * changes, it learned through the Redis fan-out. Without Redis, the polls alone carry them.
 */
function changesReachNodeB(withRedis: boolean): void {
  const prefix = `agentauth-test-${randomBytes(6).toString('hex')}:`;
  let database: { url: string; drop: () => Promise<void> };
  let a: TestServer;
  let b: TestServer;
  let inspector: TestAgent;

  beforeAll(async () => {
    database = await createPostgresDatabase();
    // 'sqlite' only tells the helper not to create a database of its own; the URL selects PostgreSQL.
    const env = { AGENTAUTH_DATABASE_URL: database.url, ...(withRedis ? { AGENTAUTH_REDIS_URL: REDIS_URL, AGENTAUTH_REDIS_KEY_PREFIX: prefix } : {}) };
    a = await startTestServer('sqlite', env, { crossNodePolling: !withRedis });
    b = await startTestServer('sqlite', env, { crossNodePolling: !withRedis });
    b.clock.set(a.clock.now());
    inspector = await createAgent(a.server, { name: 'inspector', scopes: ['agentauth:introspect'] });
  }, 60_000);
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await database?.drop();
  });

  it('refuses on node B an agent suspended on node A, once B has it cached as active', async () => {
    const agent = await createAgent(a.server, { name: 'to-suspend' });
    // B loads the agent into its cache, active.
    const issued = await token(b, agent);
    expect(issued.statusCode).toBe(200);
    const accessToken = (issued.json() as { access_token: string }).access_token;

    expect((await a.server.app.inject({ method: 'POST', url: `/admin/v1/agents/${agent.id}/suspend`, headers: ADMIN })).statusCode).toBe(200);

    await until(async () => (await token(b, agent)).statusCode === 401, 50);
    const refused = await token(b, agent);
    expect(refused.json()).toMatchObject({ error: 'invalid_client' });
    // Its tokens are inactive on B too (read from the database at each introspection).
    expect(await introspect(b, inspector, accessToken)).toBe(false);
  });

  it('refuses on node B an agent deleted on node A', async () => {
    const agent = await createAgent(a.server, { name: 'to-delete' });
    expect((await token(b, agent)).statusCode).toBe(200);
    expect((await a.server.app.inject({ method: 'DELETE', url: `/admin/v1/agents/${agent.id}`, headers: ADMIN })).statusCode).toBe(204);
    await until(async () => (await token(b, agent)).statusCode === 401, 50);
  });

  it('answers inactive on node B for a token revoked on node A (RFC 7009)', async () => {
    const agent = await createAgent(a.server, { name: 'revoker' });
    const issued = await token(b, agent);
    const accessToken = (issued.json() as { access_token: string }).access_token;
    expect(await introspect(b, inspector, accessToken)).toBe(true);
    const assertion = await clientAssertion(agent, a.clock.now());
    const revoked = await a.server.app.inject({ method: 'POST', url: '/revoke', headers: FORM, payload: form({ token: accessToken, client_assertion_type: ASSERTION_TYPE, client_assertion: assertion }) });
    expect(revoked.statusCode).toBe(200);
    expect(await introspect(b, inspector, accessToken)).toBe(false);
  });

  it('signs on node B with the key node A rotated to, and publishes A\u2019s new prepared key', async () => {
    const before = b.server.deps.keys.signer().kid;
    const rotated = await a.server.app.inject({ method: 'POST', url: '/admin/v1/keys/rotate', headers: ADMIN, payload: { force: true } });
    expect(rotated.statusCode).toBe(200);
    const { active_kid: active, prepared_kid: prepared } = rotated.json() as { active_kid: string; prepared_kid: string };
    expect(active).not.toBe(before);

    if (withRedis) {
      await until(() => b.server.deps.keys.signer().kid === active, 50);
    } else {
      // The key sync runs every 10 s: stand in for its next tick.
      await b.server.deps.keys.sync();
    }
    const agent = await createAgent(a.server, { name: 'after-rotation' });
    const issued = await token(b, agent);
    expect(issued.statusCode).toBe(200);
    expect(decodeProtectedHeader((issued.json() as { access_token: string }).access_token).kid).toBe(active);
    const jwks = await b.server.app.inject({ method: 'GET', url: '/jwks' });
    expect((jwks.json() as { keys: { kid: string }[] }).keys.map((k) => k.kid)).toContain(prepared);
  });

  if (withRedis) {
    it('answers a long poll held on node B when node A queues a SET on its stream (RFC 8936)', async () => {
      const receiver = await createAgent(a.server, { name: 'receiver', scopes: ['agentauth:signals'] });
      const assertion = await clientAssertion(receiver, b.clock.now());
      const issued = await b.server.app.inject({
        method: 'POST',
        url: '/token',
        headers: FORM,
        payload: form({ grant_type: 'client_credentials', client_assertion_type: ASSERTION_TYPE, client_assertion: assertion, resource: ISSUER, scope: 'agentauth:signals' }),
      });
      expect(issued.statusCode).toBe(200);
      const auth = { authorization: `Bearer ${(issued.json() as { access_token: string }).access_token}` };
      const created = await b.server.app.inject({ method: 'POST', url: '/ssf/streams', headers: auth, payload: {} });
      expect(created.statusCode).toBe(201);
      const { stream_id: streamId, delivery } = created.json() as { stream_id: string; delivery: { endpoint_url: string } };
      const victim = await createAgent(a.server, { name: 'signalled' });

      // Only a wake-up can answer the held poll: no recheck of the shared queue, no end of the hold.
      const wakeUps = onlyWakeUpsEndLongPolls();
      try {
        const polling = b.server.app.inject({ method: 'POST', url: delivery.endpoint_url.slice(ISSUER.length), headers: auth, payload: { returnImmediately: false } });
        await wakeUps.held(streamId);
        expect((await a.server.app.inject({ method: 'POST', url: `/admin/v1/agents/${victim.id}/suspend`, headers: ADMIN })).statusCode).toBe(200);
        const answered = await polling;
        expect(answered.statusCode).toBe(200);
        expect(Object.keys((answered.json() as { sets: Record<string, string> }).sets)).toHaveLength(1);
      } finally {
        wakeUps.restore();
      }
    });
  }

  if (withRedis) it('ignores malformed and forged messages on the channel, and applies the next good one', async () => {
    const agent = await createAgent(a.server, { name: 'malformed' });
    expect((await token(b, agent)).statusCode).toBe(200);
    const intruder = new Redis(REDIS_URL);
    try {
      const channel = `${prefix}fan-out`;
      for (const junk of ['not json', '[]', '{"v":2,"from":"x","kind":"agent_changed","agentId":"a"}', '{"v":1,"from":"x","kind":"agent_changed"}', '{"v":1,"from":"x","kind":"reboot"}', 'x'.repeat(20_000)]) {
        await intruder.publish(channel, junk);
      }
      // Still serving, agent still cached and active.
      expect((await token(b, agent)).statusCode).toBe(200);
      // Suspend on A: B hears the well-formed message that follows the junk.
      expect((await a.server.app.inject({ method: 'POST', url: `/admin/v1/agents/${agent.id}/suspend`, headers: ADMIN })).statusCode).toBe(200);
      await until(async () => (await token(b, agent)).statusCode === 401, 50);
    } finally {
      intruder.disconnect();
    }
  });
}

describe('changes on node A reach node B with Redis, polling off: the fan-out alone', () => changesReachNodeB(true));
describe('changes on node A reach node B without Redis: the polls alone', () => changesReachNodeB(false));
